// Placeholder entry point: replaced by the benchmarks.
return 0;
