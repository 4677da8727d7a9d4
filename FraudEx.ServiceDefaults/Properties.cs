using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("FraudEx.ServiceDefaults.Tests")]
