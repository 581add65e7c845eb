using FeedWatcher.Cli;

return await CommandLine.RunAsync(args);
