using System.Runtime.CompilerServices;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>Keeps the machine's own FeedWatcher settings out of the tests: on a machine where FeedWatcher is
/// installed, /etc/feedwatcher/appsettings.json would otherwise be layered into every command a test runs.</summary>
static class TestEnvironment
{
    [ModuleInitializer]
    internal static void IsolateFromTheMachine()
    {
        var empty = Path.Combine(Path.GetTempPath(), "feedwatcher-tests-no-system-settings");
        Directory.CreateDirectory(empty);
        Environment.SetEnvironmentVariable("CONFIGURATION_DIRECTORY", empty);
    }
}
