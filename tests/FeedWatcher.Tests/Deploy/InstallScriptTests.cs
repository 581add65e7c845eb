using FeedWatcher.Tests.Infrastructure;

namespace FeedWatcher.Tests.Deploy;

/// <summary>deploy/install.sh and deploy/uninstall.sh into a temporary root (DESTDIR), as a packager runs them.</summary>
public sealed class InstallScriptTests : IDisposable
{
    readonly string _root = TestHost.TemporaryDirectory();
    readonly string _published = TestHost.TemporaryDirectory();

    public InstallScriptTests()
    {
        File.WriteAllText(Path.Combine(_published, "feedwatcher"), "#!/bin/sh\n");
        File.WriteAllText(Path.Combine(_published, "appsettings.json"), "{}");
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_published, recursive: true);
    }

    string At(string path) => Path.Combine(_root, path.TrimStart('/'));

    Task<(int Exit, string Output)> RunAsync(string script, params string[] args) =>
        ProcessRunner.RunAsync("bash", [Path.Combine(Repository.Root, "deploy", script), .. args], new Dictionary<string, string> { ["DESTDIR"] = _root });

    static UnixFileMode Mode(string path) => File.GetUnixFileMode(path) & (UnixFileMode)0x1FF;

    [Fact]
    public async Task Install_puts_everything_in_place_and_never_overwrites_settings()
    {
        var (exit, output) = await RunAsync("install.sh", "--from", _published, "--prefix", "/opt/fw");
        Assert.True(exit == 0, output);

        Assert.True(File.Exists(At("/opt/fw/feedwatcher")));
        var unit = await File.ReadAllTextAsync(At("/etc/systemd/system/feedwatcher.service"));
        Assert.Contains("ExecStart=/opt/fw/feedwatcher run", unit, StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)0x1A4, Mode(At("/etc/systemd/system/feedwatcher.service"))); // 0644
        Assert.Equal((UnixFileMode)0x180, Mode(At("/etc/feedwatcher/feedwatcher.env"))); // 0600: secrets
        Assert.Contains("a list here", await File.ReadAllTextAsync(At("/etc/feedwatcher/appsettings.json")), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("nothing enabled or started", output, StringComparison.Ordinal);

        // An upgrade keeps the administrator's settings and secrets, and replaces the binary.
        await File.WriteAllTextAsync(At("/etc/feedwatcher/appsettings.json"), """{ "FeedWatcher": { "Polling": { "MaxConcurrency": 4 } } }""");
        await File.WriteAllTextAsync(At("/etc/feedwatcher/feedwatcher.env"), "FeedWatcher__Smtp__Password=secret\n");
        await File.WriteAllTextAsync(Path.Combine(_published, "new-file"), "");
        (exit, output) = await RunAsync("install.sh", "--from", _published, "--prefix", "/opt/fw");
        Assert.True(exit == 0, output);
        Assert.Contains("MaxConcurrency", await File.ReadAllTextAsync(At("/etc/feedwatcher/appsettings.json")), StringComparison.Ordinal);
        Assert.Equal("FeedWatcher__Smtp__Password=secret\n", await File.ReadAllTextAsync(At("/etc/feedwatcher/feedwatcher.env")));
        Assert.True(File.Exists(At("/opt/fw/new-file")));
        Assert.Contains("Kept", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uninstall_keeps_settings_and_data_unless_asked_to_purge()
    {
        Assert.Equal(0, (await RunAsync("install.sh", "--from", _published)).Exit);
        Directory.CreateDirectory(At("/var/lib/feedwatcher/postgres"));

        var (exit, output) = await RunAsync("uninstall.sh");
        Assert.True(exit == 0, output);
        Assert.False(Directory.Exists(At("/opt/feedwatcher")));
        Assert.False(File.Exists(At("/etc/systemd/system/feedwatcher.service")));
        Assert.True(File.Exists(At("/etc/feedwatcher/appsettings.json")));
        Assert.True(Directory.Exists(At("/var/lib/feedwatcher/postgres")));

        (exit, output) = await RunAsync("uninstall.sh", "--purge");
        Assert.True(exit == 0, output);
        Assert.False(Directory.Exists(At("/etc/feedwatcher")));
        Assert.False(Directory.Exists(At("/var/lib/feedwatcher")));
    }

    [Fact]
    public async Task Bad_options_are_usage_errors()
    {
        var (exit, output) = await RunAsync("install.sh", "--prefxi", "/opt/fw");
        Assert.Equal(2, exit);
        Assert.Contains("unknown option '--prefxi'", output, StringComparison.Ordinal);
        Assert.Equal(2, (await RunAsync("install.sh", "--prefix", "relative/path")).Exit);
        Assert.Equal(1, (await RunAsync("install.sh", "--from", Path.Combine(_root, "nothing-here"))).Exit);
    }
}
