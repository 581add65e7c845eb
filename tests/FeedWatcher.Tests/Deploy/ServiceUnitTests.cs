using FeedWatcher.Tests.Infrastructure;

namespace FeedWatcher.Tests.Deploy;

/// <summary>deploy/feedwatcher.service as systemd reads it: valid, and hardened to an exposure of at most 2.0
/// ("OK") in <c>systemd-analyze security</c>.</summary>
public sealed class ServiceUnitTests : IDisposable
{
    readonly string _directory = TestHost.TemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    static string Unit => Path.Combine(Repository.Root, "deploy", "feedwatcher.service");

    static Task<(int Exit, string Output)> RunAsync(string file, params string[] args) => ProcessRunner.RunAsync(file, args);

    [Fact]
    public async Task The_unit_passes_systemd_analyze_verify()
    {
        // verify also checks that ExecStart's binary exists: the unit is checked with /opt/feedwatcher pointing
        // at a stand-in binary.
        var opt = Directory.CreateDirectory(Path.Combine(_directory, "opt", "feedwatcher")).FullName;
        var binary = Path.Combine(opt, "feedwatcher");
        await File.WriteAllTextAsync(binary, "#!/bin/sh\n");
        File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var unit = Path.Combine(_directory, "feedwatcher.service");
        await File.WriteAllTextAsync(unit, (await File.ReadAllTextAsync(Unit)).Replace("/opt/feedwatcher", opt, StringComparison.Ordinal));

        var (exit, output) = await RunAsync("systemd-analyze", "verify", unit);

        Assert.True(exit == 0 && output.Trim().Length == 0, output);
    }

    [Fact]
    public async Task The_unit_is_hardened_to_at_most_2_0()
    {
        var (exit, output) = await RunAsync("systemd-analyze", "security", "--offline=true", "--threshold=20", "--no-pager", Unit);

        Assert.True(exit == 0, output);
        Assert.Matches(@"Overall exposure level for feedwatcher\.service: [01]\.\d OK", output);
    }
}
