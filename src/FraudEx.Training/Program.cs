using FraudEx.Training;

return await TrainingCli.RunAsync(args, Console.Out, CancellationToken.None).ConfigureAwait(false);
