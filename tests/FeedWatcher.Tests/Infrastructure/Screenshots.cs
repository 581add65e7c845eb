using Microsoft.Playwright;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>The screenshots the README shows, taken by the browser tests: written under tests/.../Web/screenshots when
/// FEEDWATCHER_UPDATE_SCREENSHOTS=1, otherwise taken and checked for content only.</summary>
public static class Screenshots
{
    public static async Task TakeAsync(IPage page, string name)
    {
        var image = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        Assert.True(image.Length > 1000, $"{name}: an empty screenshot");
        if (Environment.GetEnvironmentVariable("FEEDWATCHER_UPDATE_SCREENSHOTS") == "1")
        {
            var path = Path.Combine(Repository.Tests, "Web", "screenshots", name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, image);
        }
    }
}
