using BenchmarkDotNet.Running;

// Every benchmark class in this assembly is selectable with --filter (e.g. --filter '*ModelRuntime*'); add a class,
// not another entry point.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
