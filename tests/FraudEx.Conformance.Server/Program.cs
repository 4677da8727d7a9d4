// The conformance service as a process: `dotnet FraudEx.Conformance.Server.dll --urls http://127.0.0.1:PORT`.
await FraudEx.Conformance.ConformanceServer.Build(args).RunAsync();
