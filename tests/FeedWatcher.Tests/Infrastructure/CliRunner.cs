using FeedWatcher.Cli;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>Runs the feedwatcher command line in the test process, capturing what it prints. The console is one
/// for the process: commands of tests running in parallel take turns, so that none prints into another's capture.</summary>
public static class CliRunner
{
    static readonly SemaphoreSlim TakingTurns = new(1, 1);

    public static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => RunAsync(args, null);

    /// <summary>Runs a command with <paramref name="standardInput"/> as what it reads.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string[] args, string? standardInput)
    {
        await TakingTurns.WaitAsync();
        var (savedOut, savedErr, savedIn) = (Console.Out, Console.Error, Console.In);
        if (standardInput is not null) Console.SetIn(new StringReader(standardInput));
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try { return (await CommandLine.RunAsync(args), output.ToString(), error.ToString()); }
        finally { Console.SetOut(savedOut); Console.SetError(savedErr); Console.SetIn(savedIn); TakingTurns.Release(); }
    }
}
