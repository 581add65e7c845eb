using System.Diagnostics;
using System.Text;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>The real feedwatcher program in a process of its own (<c>dotnet feedwatcher.dll ...</c>), its output read
/// line by line as it comes, so that a test can wait for what it says.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();
    readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiting = [];

    /// <summary>The program as built beside the tests (same configuration), with its own dependencies.</summary>
    public static string BuildDirectory
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            return Path.Combine(Repository.Root, "src", "FeedWatcher", "bin", framework.Parent!.Name, framework.Name);
        }
    }

    public static string Binary => Path.Combine(BuildDirectory, "feedwatcher.dll");

    WorkerProcess(Process process) => _process = process;

    public static WorkerProcess Start(IEnumerable<string> args, string? binary = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? "" };
        start.ArgumentList.Add(binary ?? Binary);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var worker = new WorkerProcess(new Process { StartInfo = start });
        worker._process.OutputDataReceived += (_, e) => worker.Received(e.Data);
        worker._process.ErrorDataReceived += (_, e) => worker.Received(e.Data);
        worker._process.Start();
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything printed so far, standard output and error interleaved as they came.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    void Received(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var (match, found) in _waiting.Where(w => w.Match(line)).ToList())
            {
                found.TrySetResult(line);
                _waiting.RemoveAll(w => w.Found == found);
            }
        }
    }

    /// <summary>The first line printed (already, or from now on) that contains <paramref name="text"/>.</summary>
    public Task<string> LineAsync(string text, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            var seen = _output.ToString().Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (seen is not null) return Task.FromResult(seen.TrimEnd('\r'));
            _waiting.Add((line => line.Contains(text, StringComparison.Ordinal), found));
        }
        return found.Task.WaitAsync(timeout).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result
            : throw new TimeoutException($"feedwatcher never printed '{text}' in {timeout}; it printed:\n{Output}"), TaskScheduler.Default);
    }

    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
