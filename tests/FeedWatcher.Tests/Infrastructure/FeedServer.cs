using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>A real HTTP server (Kestrel) on 127.0.0.1 serving whatever each test routes to a path, and
/// recording the requests it received.</summary>
public sealed class FeedServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentDictionary<string, RequestDelegate> _routes = new();

    public ConcurrentQueue<(string Path, IHeaderDictionary Headers)> Requests { get; } = new();

    FeedServer(WebApplication app) => _app = app;

    public static async Task<FeedServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FeedServer(app);
        app.Run(async context =>
        {
            server.Requests.Enqueue((context.Request.Path, new HeaderDictionary(context.Request.Headers.ToDictionary())));
            if (server._routes.TryGetValue(context.Request.Path, out var handler))
                await handler(context);
            else
                context.Response.StatusCode = StatusCodes.Status404NotFound;
        });
        await app.StartAsync();
        return server;
    }

    public string BaseUrl => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public string Url(string path) => BaseUrl + path;

    public void Route(string path, RequestDelegate handler) => _routes[path] = handler;

    /// <summary>Serves <paramref name="body"/> with an ETag; answers 304 when the client sends it back.</summary>
    public void Feed(string path, string body, string contentType = "application/rss+xml", string? etag = null)
    {
        etag ??= "\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(body)))[..16] + "\"";
        Route(path, async context =>
        {
            context.Response.Headers.ETag = etag;
            context.Response.Headers.LastModified = "Wed, 12 Apr 2017 10:00:00 GMT";
            if (context.Request.Headers.IfNoneMatch == etag)
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body);
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
