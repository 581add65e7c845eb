using Microsoft.Playwright;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>Headless Chromium, Debian's <c>chromium</c> package, driven by Playwright: the browser a reader uses.</summary>
public static class Browser
{
    static readonly string[] Usual = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"];

    /// <summary>Where the system's Chromium is: FEEDWATCHER_CHROMIUM, or the first of the usual paths.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("FEEDWATCHER_CHROMIUM") is { Length: > 0 } configured ? configured
        : Usual.FirstOrDefault(File.Exists)
          ?? throw new InvalidOperationException("No Chromium found: install Debian's chromium package (apt-get install chromium) or set FEEDWATCHER_CHROMIUM");

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox"], // CI runs as root
        });
        return (playwright, browser);
    }
}
