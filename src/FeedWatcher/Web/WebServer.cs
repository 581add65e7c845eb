using System.Security.Claims;
using System.Text;
using FeedWatcher.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using static FeedWatcher.Web.Html;

namespace FeedWatcher.Web;

/// <summary>The story pages' web server (ASP.NET Core on Kestrel), started and stopped with the worker when
/// <c>FeedWatcher:Web:Enabled</c>: the same process and services as the polls and digests. Beyond loopback every page
/// asks for the configured password (a login form, then a cookie); every change needs an antiforgery token; every
/// answer carries a content security policy without script, forbids framing and sends no referrer.</summary>
public sealed class WebServer(IServiceProvider services, IOptions<FeedWatcherOptions> options, ILogger<WebServer> logger) : IHostedService, IAsyncDisposable
{
    WebApplication? _app;

    /// <summary>Where the pages are served, once started (the port chosen when the configured one is 0).</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var web = options.Value.Web;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.Replace(ServiceDescriptor.Singleton(services.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>(); // the worker's own lifetime speaks for the process
        builder.WebHost.UseUrls(web.Listen);
        builder.Services.AddDataProtection().SetApplicationName("FeedWatcher")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.Value.ResolveStateDirectory(), "web-keys")));
        builder.Services.AddAntiforgery(o => (o.Cookie.Name, o.Cookie.SameSite) = ("feedwatcher-form", SameSiteMode.Strict));
        var password = string.IsNullOrEmpty(web.PasswordHash) ? null : web.PasswordHash;
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            (o.LoginPath, o.Cookie.Name, o.Cookie.SameSite, o.ExpireTimeSpan, o.SlidingExpiration) = ("/login", "feedwatcher", SameSiteMode.Lax, TimeSpan.FromDays(30), true);
        });
        builder.Services.AddAuthorization();
        // The worker's own services, for the pages.
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<StoryPages>(services, sp.GetRequiredService<Microsoft.AspNetCore.Antiforgery.IAntiforgery>()));

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            await next(context);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/style.css", () => Results.Text(Style, "text/css; charset=utf-8", Encoding.UTF8));
        app.MapGet("/healthz", () => Results.Json(new { status = "ok", web = "serving" }));
        app.MapGet("/", () => Results.Redirect("/watches"));
        app.MapGet("/login", (string? returnUrl) => LoginPage(returnUrl, failed: false));
        app.MapPost("/login", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var back = form["returnUrl"].ToString();
            if (password is null || !Passwords.Verify(form["password"].ToString(), password))
                return LoginPage(back, failed: true);
            await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "reader")], CookieAuthenticationDefaults.AuthenticationScheme)));
            return Results.LocalRedirect(back.StartsWith('/') && !back.StartsWith("//", StringComparison.Ordinal) ? back : "/watches");
        });
        // A digest's judgement link works without a login, only as issued.
        app.MapGet("/j/{token}", (StoryPages p, HttpContext c, string token) => p.LinkAsync(c, token));
        app.MapPost("/j/{token}", (StoryPages p, HttpContext c, string token) => p.UseLinkAsync(c, token)).DisableAntiforgery();
        var pages = app.MapGroup("/watches");
        if (password is not null) pages.RequireAuthorization();
        pages.MapGet("", (StoryPages p, HttpContext c) => p.WatchesAsync(c));
        pages.MapGet("/{name}", (StoryPages p, HttpContext c, string name, int? page) => p.WatchAsync(c, name, page ?? 1));
        pages.MapGet("/{name}/feed.atom", (StoryPages p, HttpContext c, string name) => p.FeedAsync(c, name));
        pages.MapPost("/{name}/judgements", (StoryPages p, HttpContext c, string name) => p.JudgeAsync(c, name)).DisableAntiforgery();
        pages.MapPost("/{name}/words", (StoryPages p, HttpContext c, string name) => p.WordsAsync(c, name)).DisableAntiforgery();

        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? web.Listen;
        Address = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal));
        logger.LogInformation("Story pages at {Url}{Password}", new Uri(Address, "/watches"), password is null ? "" : " (password asked)");
    }

    static IResult LoginPage(string? returnUrl, bool failed) => Results.Content(Page("Sign in", $"""
        <h1>Sign in</h1>
        {(failed ? "<div class=\"notice\" role=\"alert\">That is not the password.</div>" : "")}
        <form method="post" action="/login">
        <input type="hidden" name="returnUrl" value="{E(returnUrl)}">
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required>
        <p><button type="submit">Sign in</button></p>
        </form>
        """), "text/html; charset=utf-8", Encoding.UTF8, failed ? 401 : 200);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null) await _app.StopAsync(cancellationToken);
    }

    // Starts and stops with the worker, saying nothing of its own.
    sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}
