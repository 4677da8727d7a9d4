using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("FraudEx.Scoring.Tests")]
[assembly: InternalsVisibleTo("FraudEx.EndToEnd.Tests")]
