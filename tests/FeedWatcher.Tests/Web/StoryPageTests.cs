using System.Text.RegularExpressions;
using Dapper;
using FeedWatcher.Digests;
using FeedWatcher.Feeds;
using FeedWatcher.Tests.Infrastructure;
using FeedWatcher.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using Npgsql;
using static FeedWatcher.Tests.Infrastructure.Feeds;

namespace FeedWatcher.Tests.Web;

/// <summary>The story pages in a real browser (headless Chromium), on the worker's real services, PostgreSQL and a
/// loopback feed server: the timeline, a judgement given with a button, a word pinned, the Atom feed, and what is
/// refused.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class StoryPageTests(PostgresFixture postgres) : PipelineTest(postgres)
{
    const string Recent = "Sat, 15 Apr 2017 05:00:00 GMT", Watch = "Afghanistan peace talks";

    static readonly Item[] Background = OtherNews(80, Recent);

    async Task<(IHost Host, Uri Address, string Database)> StartAsync(Dictionary<string, string?>? extra = null)
    {
        Server.Feed("/a.rss", Rss("Wire A", Background));
        Server.Feed("/b.rss", Rss("Wire B", []));
        var database = await Postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["FeedWatcher:Feeds:0:Url"] = Server.Url("/a.rss"),
            ["FeedWatcher:Feeds:0:Name"] = "Wire A",
            ["FeedWatcher:Feeds:1:Url"] = Server.Url("/b.rss"),
            ["FeedWatcher:Feeds:1:Name"] = "Wire B",
            ["FeedWatcher:Watches:0:Seed:Title"] = "Russia hosts Moscow conference on Afghanistan without the US",
            ["FeedWatcher:Watches:0:Seed:Text"] = "Lavrov and ten other countries urged the Taliban to make peace with the Kabul government.",
            ["FeedWatcher:Web:Enabled"] = "true",
            ["FeedWatcher:Web:Listen"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in extra ?? []) settings[key] = value;
        var host = await BuildHostAsync(settings, database);
        await PollOnceAsync(host);
        // The story, carried by both wires under one title, and one more follow-up.
        const string story = "Moscow conference on Afghanistan ends with a call for Taliban talks";
        Server.Feed("/a.rss", Rss("Wire A", [new Item("a-1", story, "Lavrov urged the Taliban to talk to Kabul.", Recent),
            new Item("a-2", "Afghanistan: Lavrov invites the Taliban & Kabul to \"Astana talks\" after the Moscow conference", "", Recent), .. Background]));
        Server.Feed("/b.rss", Rss("Wire B", [new Item("b-1", story, "Eleven countries met in Moscow.", Recent)]));
        Clock.Advance(TimeSpan.FromHours(1));
        await PollOnceAsync(host);
        var web = host.Services.GetRequiredService<WebServer>();
        await web.StartAsync(default);
        return (host, web.Address!, database);
    }

    [Fact]
    public async Task A_reader_follows_the_story_judges_an_entry_and_pins_a_word_without_javascript()
    {
        var (host, address, database) = await StartAsync();
        using var _ = host;
        await using var web = host.Services.GetRequiredService<WebServer>();
        var (playwright, browser) = await Browser.LaunchAsync();
        using var __ = playwright;
        await using var ___ = browser;
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false, ViewportSize = new() { Width = 390, Height = 844 } });
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(new Uri(address, "/watches").ToString());
        Assert.Equal(200, response!.Status);
        Assert.Contains("default-src 'none'", response.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", response.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("no-referrer", response.Headers["referrer-policy"]);
        Assert.Contains("3 hits", await page.InnerTextAsync("ul.watches"), StringComparison.Ordinal);

        await page.ClickAsync($"text={Watch}");
        Assert.Equal(Watch, await page.InnerTextAsync("h1"));
        var chart = page.Locator("svg.chart");
        Assert.Equal("Hits per day, 60 days to 2017-04-15", await chart.GetAttributeAsync("aria-label"));
        Assert.Equal("2017-04-15: 3", await chart.Locator("rect.some title").TextContentAsync());
        // One story carried by both wires is one entry naming both; the other entry's title is shown as written.
        var entries = page.Locator("ul.timeline > li");
        Assert.Equal(2, await entries.CountAsync());
        var merged = entries.Filter(new() { HasText = "ends with a call" });
        Assert.Contains("Carried by Wire A, Wire B", await merged.Locator(".outlets").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(2, await merged.Locator(".outlets a[rel='noreferrer noopener']").CountAsync());
        Assert.Contains("Why: ", await merged.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("Afghanistan: Lavrov invites the Taliban & Kabul to \"Astana talks\" after the Moscow conference",
            await entries.Filter(new() { HasText = "Astana" }).Locator(".entry-title").InnerTextAsync());

        // Relevant: recorded, learnt at once, and the page says what changed.
        await entries.Filter(new() { HasText = "Astana" }).GetByRole(AriaRole.Button, new() { Name = "Relevant", Exact = true }).ClickAsync();
        Assert.Equal("Judged relevant", await page.InnerTextAsync("h1"));
        Assert.Contains("is relevant for Afghanistan peace talks", await page.InnerTextAsync("[role=status]"), StringComparison.Ordinal);
        Assert.Contains("astana", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await using (var connection = new NpgsqlConnection(database))
            Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM judgements WHERE relevant"));
        await page.ClickAsync("text=Back to Afghanistan peace talks");
        Assert.Equal("Judged relevant", await entries.Filter(new() { HasText = "Astana" }).Locator(".verdict").InnerTextAsync());

        // Pin a learnt word from the profile.
        const string astana = "table.profile tr:has(td:first-child:text-is('astana'))";
        await page.Locator(astana).GetByRole(AriaRole.Button, new() { Name = "Pin" }).ClickAsync();
        Assert.Equal("pinned", await page.Locator(astana).Locator("td:nth-child(2)").InnerTextAsync());
        // Forget what the hits taught: what the judgement taught stays.
        await page.GetByRole(AriaRole.Button, new() { Name = "Forget what it learnt from its hits" }).ClickAsync();
        Assert.Contains("From 0 confident hits and 1 judgement", await page.InnerTextAsync("#profile + p"), StringComparison.Ordinal);

        // Not relevant: stored, and the entry marked.
        await merged.GetByRole(AriaRole.Button, new() { Name = "Not relevant" }).ClickAsync();
        Assert.Equal("Judged not relevant", await page.InnerTextAsync("h1"));
        await page.ClickAsync("text=Back to Afghanistan peace talks");
        Assert.Equal("Judged not relevant", await merged.Locator(".verdict").InnerTextAsync());
        await using (var connection = new NpgsqlConnection(database))
            Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM judgements WHERE NOT relevant"));

        // It reads on a phone: nothing wider than the screen.
        foreach (var (width, name) in new[] { (390, "watch-page-phone.png"), (1280, "watch-page-desktop.png") })
        {
            var shown = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new() { Width = width, Height = 900 } });
            await shown.GotoAsync(page.Url);
            Assert.True(await shown.EvaluateAsync<bool>("document.documentElement.scrollWidth <= document.documentElement.clientWidth"));
            await Screenshots.TakeAsync(shown, name);
            await shown.CloseAsync();
        }

        // The story as an Atom feed, read back by FeedWatcher's own parser: the same hits as the page.
        var onPage = new HashSet<string>();
        foreach (var link in await page.Locator("ul.timeline .outlets a").AllAsync()) onPage.Add((await link.GetAttributeAsync("href"))!);
        using var http = new HttpClient();
        var atom = await http.GetAsync(new Uri(address, "/watches/afghanistan%20peace%20talks/feed.atom"));
        Assert.Equal("application/atom+xml", atom.Content.Headers.ContentType!.MediaType);
        var parsed = FeedParser.Parse(await atom.Content.ReadAsByteArrayAsync());
        Assert.Equal(onPage.Order(), parsed.Entries.Select(e => e.Link!).Order());
        Assert.Equal(3, parsed.Entries.Count);
    }

    [Fact]
    public async Task A_digests_signed_links_judge_once_and_only_as_issued()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var port = SmtpTestServer.FreePort();
        var settings = SmtpSettings(smtp.Port);
        settings["FeedWatcher:Web:Listen"] = $"http://127.0.0.1:{port}";
        settings["FeedWatcher:Web:PublicBaseUrl"] = $"http://127.0.0.1:{port}/";
        var (host, address, database) = await StartAsync(settings);
        using var _ = host;
        await using var web = host.Services.GetRequiredService<WebServer>();
        var outbox = host.Services.GetRequiredService<DigestOutbox>();
        Assert.NotNull(await outbox.CreateAsync(outbox.Find("Daily")!, "test:links"));
        await outbox.DeliverDueAsync();
        var message = await smtp.NextAsync(TimeSpan.FromSeconds(10));
        var (text, html) = (message.TextBody!.ReplaceLineEndings("\n"), message.HtmlBody!);
        Assert.Contains(">Relevant</a>", html, StringComparison.Ordinal);
        Assert.Contains($"The story so far: http://127.0.0.1:{port}/watches/Afghanistan%20peace%20talks", text, StringComparison.Ordinal);
        var relevant = Regex.Matches(text, @"^  Relevant: (\S+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        var notRelevant = Regex.Matches(text, @"^  Not relevant: (\S+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, relevant.Count); // one per story
        await using var connection = new NpgsqlConnection(database);
        async Task<long> Judgements() => await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM judgements");

        var (playwright, browser) = await Browser.LaunchAsync();
        using var __ = playwright;
        await using var ___ = browser;
        foreach (var (width, name) in new[] { (390, "digest-phone.png"), (1280, "digest-desktop.png") })
        {
            var mail = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new() { Width = width, Height = 900 } });
            await mail.SetContentAsync(html);
            await Screenshots.TakeAsync(mail, name);
            await mail.CloseAsync();
        }
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { JavaScriptEnabled = false });
        // Opening the link (as a mail scanner does) changes nothing; the button does, once.
        Assert.Equal(200, (await page.GotoAsync(relevant[0]))!.Status);
        Assert.Equal("Is this relevant?", await page.InnerTextAsync("h1"));
        Assert.Equal(0, await Judgements());
        var formToken = await page.Locator("input[name=__RequestVerificationToken]").GetAttributeAsync("value");
        await page.ClickAsync("button[type=submit]");
        Assert.Equal("Judged relevant", await page.InnerTextAsync("h1"));
        Assert.Equal(1, await Judgements());
        // The same POST again (a second click, a replay) records nothing.
        var replayed = await page.Context.APIRequest.PostAsync(relevant[0], new() { Form = page.Context.APIRequest.CreateFormData().Set("__RequestVerificationToken", formToken!) });
        Assert.Equal(409, replayed.Status);
        Assert.Contains("This link was used already", await replayed.TextAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await Judgements());
        await page.ReloadAsync();
        Assert.Equal("This link was used already", await page.InnerTextAsync("h1"));

        // A changed link, and one past its time, are refused with a page that says so.
        var forged = relevant[1][..^2] + (relevant[1][^2] == 'A' ? 'B' : 'A') + relevant[1][^1];
        Assert.Equal(400, (await page.GotoAsync(forged))!.Status);
        Assert.Equal("This link is not valid", await page.InnerTextAsync("h1"));
        Clock.Advance(JudgementLinks.Lifetime + TimeSpan.FromDays(1));
        Assert.Equal(410, (await page.GotoAsync(notRelevant[1]))!.Status);
        Assert.Equal("This link has expired", await page.InnerTextAsync("h1"));
        Assert.Equal(1, await Judgements());
        Clock.Advance(-JudgementLinks.Lifetime);
        Assert.Equal(200, (await page.GotoAsync(relevant[1]))!.Status);

        // A key rotated with --revoke: the links it signed stop working.
        var (exit, _, error) = await CliRunner.RunAsync(["web", "rotate-key", "--revoke", $"--FeedWatcher:Database:ConnectionString={database}", $"--FeedWatcher:StateDirectory={StateDirectory}"]);
        Assert.True(exit == 0, error);
        Assert.Equal(400, (await page.GotoAsync(relevant[1]))!.Status);
    }

    [Fact]
    public async Task A_change_without_the_pages_token_is_refused_and_changes_nothing()
    {
        var (host, address, database) = await StartAsync();
        using var _ = host;
        await using var web = host.Services.GetRequiredService<WebServer>();
        using var http = new HttpClient();
        var forged = await http.PostAsync(new Uri(address, "/watches/Afghanistan%20peace%20talks/judgements"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["item"] = "1", ["verdict"] = "relevant" }));
        Assert.Equal(400, (int)forged.StatusCode);
        Assert.Contains("Nothing was changed", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var connection = new NpgsqlConnection(database);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM judgements"));
        Assert.Equal(404, (int)(await http.GetAsync(new Uri(address, "/watches/nothing-like-it"))).StatusCode);
        Assert.Contains("\"web\":\"serving\"", await http.GetStringAsync(new Uri(address, "/healthz")), StringComparison.Ordinal);
        var (_, show, _) = await CliRunner.RunAsync(["watches", "show", Watch, $"--FeedWatcher:Database:ConnectionString={database}", $"--FeedWatcher:StateDirectory={StateDirectory}",
            "--FeedWatcher:Web:Enabled=true", "--FeedWatcher:Web:PublicBaseUrl=https://news.example/fw/"]);
        Assert.Contains("Page: https://news.example/fw/watches/Afghanistan%20peace%20talks", show, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_watchs_hits_leave_as_text_json_and_csv_and_a_password_is_hashed()
    {
        var (host, _, database) = await StartAsync();
        using var __ = host;
        await using var web = host.Services.GetRequiredService<WebServer>();
        string[] cli = [$"--FeedWatcher:Database:ConnectionString={database}", $"--FeedWatcher:StateDirectory={StateDirectory}"];
        var (exit, csv, error) = await CliRunner.RunAsync(["hits", "--watch", "afghanistan peace talks", "--format", "csv", .. cli]);
        Assert.True(exit == 0, error);
        var lines = csv.Trim().Split('\n');
        Assert.Equal("item,published,watch,score,feed,title,link,matched,held_back_like", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Contains(lines, l => l.Contains(",Wire A,\"Afghanistan: Lavrov invites the Taliban & Kabul to \"\"Astana talks\"\" after the Moscow conference\",http://example.org/a-2,", StringComparison.Ordinal));
        (exit, var json, error) = await CliRunner.RunAsync(["hits", "--watch", "Afghanistan peace talks", "--format", "json", "--since", "2017-04-16", .. cli]);
        Assert.Equal((0, ""), (exit, json.Trim()));
        (exit, var text, error) = await CliRunner.RunAsync(["hits", "--watch", "Afghanistan peace talks", .. cli]);
        Assert.Matches(@"2017-04-15 05:00  [01]\.\d\d  Wire B: Moscow conference on Afghanistan ends with a call for Taliban talks  http://example.org/b-1", text);
        Assert.Contains("3 hits for Afghanistan peace talks", error, StringComparison.Ordinal);

        (exit, var hash, error) = await CliRunner.RunAsync(["web", "hash-password"], standardInput: "correct horse\n");
        Assert.True(exit == 0, error);
        Assert.True(Passwords.Verify("correct horse", hash.Trim()));
        Assert.False(Passwords.Verify("wrong", hash.Trim()));
    }

    [Fact]
    public async Task With_a_password_the_pages_ask_for_it_first()
    {
        var (host, address, _) = await StartAsync(new() { ["FeedWatcher:Web:PasswordHash"] = Passwords.Hash("correct horse") });
        using var __ = host;
        await using var web = host.Services.GetRequiredService<WebServer>();
        var (playwright, browser) = await Browser.LaunchAsync();
        using var ___ = playwright;
        await using var ____ = browser;
        // Without the password: the pages, the feed and the changes are refused.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        foreach (var path in new[] { "/watches", "/watches/Afghanistan%20peace%20talks", "/watches/Afghanistan%20peace%20talks/feed.atom" })
            Assert.StartsWith("/login", (await http.GetAsync(new Uri(address, path))).Headers.Location!.AbsolutePath, StringComparison.Ordinal);
        var post = await http.PostAsync(new Uri(address, "/watches/Afghanistan%20peace%20talks/judgements"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["item"] = "1", ["verdict"] = "relevant" }));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, post.StatusCode);

        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(address, "/watches").ToString());
        Assert.Equal("Sign in", await page.InnerTextAsync("h1"));
        await page.FillAsync("#password", "wrong");
        await page.ClickAsync("button[type=submit]");
        Assert.Equal("That is not the password.", await page.InnerTextAsync("[role=alert]"));
        await page.FillAsync("#password", "correct horse");
        await page.ClickAsync("button[type=submit]");
        Assert.Equal("Watches", await page.InnerTextAsync("h1"));
    }
}
