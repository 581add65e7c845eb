namespace FeedWatcher.Tests.Infrastructure;

/// <summary>Where the repository is, found from the test binary upwards, for tests that read or regenerate its
/// files (the systemd unit, golden files).</summary>
public static class Repository
{
    /// <summary>The folder that holds FeedWatcher.sln.</summary>
    public static string Root { get; } = Find("FeedWatcher.sln");

    /// <summary>The test project's folder.</summary>
    public static string Tests => Path.Combine(Root, "tests", "FeedWatcher.Tests");

    static string Find(string marker)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, marker))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"{marker} not found above the test binary");
    }
}
