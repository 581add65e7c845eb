using FeedWatcher.Cli;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>Runs the feedwatcher command line in the test process, capturing what it prints.</summary>
public static class CliRunner
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var (savedOut, savedErr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try { return (await CommandLine.RunAsync(args), output.ToString(), error.ToString()); }
        finally { Console.SetOut(savedOut); Console.SetError(savedErr); }
    }
}
