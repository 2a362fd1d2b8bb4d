using Microsoft.Playwright;

namespace Muster.Browser.Tests;

/// <summary>Pictures of pages for a person to look at, when MUSTER_SCREENSHOTS names a folder; otherwise nothing.</summary>
public static class Screenshots
{
    public static async Task TakeAsync(IPage page, string name)
    {
        var folder = Environment.GetEnvironmentVariable("MUSTER_SCREENSHOTS");
        if (string.IsNullOrEmpty(folder))
            return;
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
        await page.SetViewportSizeAsync(390, 844);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + "-phone.png"), FullPage = true });
        await page.SetViewportSizeAsync(1280, 720);
    }
}
