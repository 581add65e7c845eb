using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using FeedWatcher.Configuration;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Feeds;

/// <summary>Fetches a feed the way publishers want to be fetched: conditional GET with the stored
/// validators, redirects followed by hand (permanent ones reported so the stored URL can change), an honest
/// User-Agent, compression, no cookies, a timeout, a body size limit, and a cap on requests per host.</summary>
public sealed class FeedFetcher(HttpClient http, IOptionsMonitor<FeedWatcherOptions> options, TimeProvider clock)
{
    public const int MaxRedirects = 5;
    static readonly string Version = typeof(FeedFetcher).Assembly.GetName().Version?.ToString(3) ?? "0";
    readonly ConcurrentDictionary<string, SemaphoreSlim> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public string UserAgent => $"FeedWatcher/{Version} (+{options.CurrentValue.Polling.ContactUrl})";

    /// <summary>GETs <paramref name="url"/>, sending back the validators of the last fetch verbatim.</summary>
    /// <exception cref="FeedFetchException">The server failed, refused, is gone, redirected badly, timed out,
    /// or sent too much.</exception>
    public async Task<FetchResult> FetchAsync(string url, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        var polling = options.CurrentValue.Polling;
        var host = _hosts.GetOrAdd(new Uri(url).Host, _ => new SemaphoreSlim(polling.MaxPerHost));
        await host.WaitAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(polling.Timeout);
        try
        {
            return await FollowAsync(url, etag, lastModified, polling, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FeedFetchException($"timed out after {polling.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e) when (e.InnerException is NetworkRefusedException refused)
        {
            throw new FeedFetchException(refused.Message, e);
        }
        catch (HttpRequestException e)
        {
            var detail = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $" ({inner.Message})" : "";
            throw new FeedFetchException(e.Message + detail, e);
        }
        finally
        {
            host.Release();
        }
    }

    async Task<FetchResult> FollowAsync(string url, string? etag, string? lastModified, PollingOptions polling, CancellationToken cancellationToken)
    {
        var visited = new List<string> { url };
        string? movedTo = null;
        var onlyPermanent = true;
        for (var hop = 0; ; hop++)
        {
            using var response = await SendAsync(url, etag, lastModified, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308)
            {
                var next = Location(response, url);
                onlyPermanent &= status is 301 or 308;
                if (onlyPermanent) movedTo = next;
                if (visited.Contains(next, StringComparer.Ordinal))
                    throw new FeedFetchException($"redirect loop: {string.Join(" -> ", visited)} -> {next}", status);
                visited.Add(next);
                if (hop == MaxRedirects)
                    throw new FeedFetchException($"more than {MaxRedirects} redirects: {string.Join(" -> ", visited)}", status);
                url = next;
                continue;
            }

            var newETag = Header(response.Headers, "ETag") ?? etag;
            var newLastModified = Header(response.Content.Headers, "Last-Modified") ?? lastModified;
            var lifetime = CacheLifetime(response);
            if (response.StatusCode == HttpStatusCode.NotModified)
                return new FetchResult(FeedBody.Empty, null, newETag, newLastModified, status, movedTo, lifetime);
            if (response.StatusCode == HttpStatusCode.Gone)
                throw new FeedFetchException("HTTP 410 Gone: the publisher removed this feed", status) { Gone = true };
            if (!response.IsSuccessStatusCode)
                throw new FeedFetchException($"HTTP {status} {response.ReasonPhrase}".TrimEnd(), status)
                {
                    RetryAfter = status is 429 or 503 ? RetryAfter(response) : null,
                };
            var body = await ReadLimitedAsync(response.Content, polling.MaxBodyBytes, cancellationToken);
            return new FetchResult(body, response.Content.Headers.ContentType?.ToString(), newETag, newLastModified, status, movedTo, lifetime);
        }
    }

    async Task<HttpResponseMessage> SendAsync(string url, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.TryAddWithoutValidation("Accept",
            "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5");
        if (!string.IsNullOrEmpty(etag)) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        if (!string.IsNullOrEmpty(lastModified)) request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    static string Location(HttpResponseMessage response, string from)
    {
        var location = response.Headers.Location
            ?? throw new FeedFetchException($"HTTP {(int)response.StatusCode} redirect without a Location header", (int)response.StatusCode);
        var next = location.IsAbsoluteUri ? location : new Uri(new Uri(from), location);
        if (next.Scheme is not ("http" or "https"))
            throw new FeedFetchException($"redirect to a non-HTTP address: {next}", (int)response.StatusCode);
        return next.AbsoluteUri;
    }

    // How long the server says the response stays fresh: max-age, else Expires minus Date.
    TimeSpan? CacheLifetime(HttpResponseMessage response)
    {
        var cacheControl = response.Headers.CacheControl;
        if (cacheControl is { NoStore: true } or { NoCache: true }) return null;
        if (cacheControl?.MaxAge is { } maxAge) return maxAge;
        if (response.Content.Headers.Expires is { } expires)
        {
            var lifetime = expires - (response.Headers.Date ?? clock.GetUtcNow());
            return lifetime > TimeSpan.Zero ? lifetime : null;
        }
        return null;
    }

    TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - (response.Headers.Date ?? clock.GetUtcNow()) is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    // The limit applies to the decompressed bytes, as they are read, not only to a Content-Length. The bytes go
    // to a pooled buffer, so that fetching thousands of feeds does not churn the large-object heap.
    // A pool of FeedWatcher's own, without the shared pool's per-thread caches, so that what it keeps stays small:
    // a body is only held from the first byte read until it is parsed. Room for as many of a size as feeds are
    // fetched at once (16 by default), so that bodies waiting for a parsing slot are reused, not dropped to the
    // collector after surviving into its older generations.
    internal static readonly ArrayPool<byte> BodyPool = ArrayPool<byte>.Create(maxArrayLength: 64 * 1024 * 1024, maxArraysPerBucket: 32);

    static async Task<FeedBody> ReadLimitedAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes)
            throw new FeedFetchException($"body of {content.Headers.ContentLength} bytes is over the limit of {maxBytes}");
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = BodyPool.Rent((int)Math.Min(Math.Max(content.Headers.ContentLength ?? 0, 64 * 1024), maxBytes + 1));
        var length = 0;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
                if (length > maxBytes)
                    throw new FeedFetchException($"body is over the limit of {maxBytes} bytes");
                if (length == buffer.Length)
                {
                    var larger = BodyPool.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    BodyPool.Return(buffer);
                    buffer = larger;
                }
            }
            return new FeedBody(buffer, length);
        }
        catch
        {
            BodyPool.Return(buffer);
            throw;
        }
    }
}

/// <summary>A feed's bytes in a pooled buffer, returned to the pool on dispose.</summary>
public sealed class FeedBody(byte[]? buffer, int length) : IDisposable
{
    public static readonly FeedBody Empty = new(null, 0);

    byte[]? _buffer = buffer;

    public ReadOnlySpan<byte> Span => Memory.Span;

    public ReadOnlyMemory<byte> Memory => _buffer is null ? default : _buffer.AsMemory(0, length);

    public int Length => length;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } pooled && this != Empty)
            FeedFetcher.BodyPool.Return(pooled);
    }
}

/// <summary>What a fetch brought: a body, or none when the feed was not modified; where it moved to for
/// good, if it did; how long the server says it stays fresh. Dispose it once the body is read.</summary>
public sealed record FetchResult(FeedBody Body, string? ContentType, string? ETag, string? LastModified, int StatusCode,
    string? MovedTo = null, TimeSpan? CacheLifetime = null) : IDisposable
{
    public bool NotModified => StatusCode == 304;

    public void Dispose() => Body.Dispose();
}

/// <summary>A feed could not be fetched; the message says why and is shown in the feed's health.</summary>
public sealed class FeedFetchException(string message, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    public FeedFetchException(string message, Exception inner) : this(message, null, inner) { }

    public int? StatusCode { get; } = statusCode;

    /// <summary>The server's Retry-After, for 429 and 503.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>HTTP 410: the feed is gone for good.</summary>
    public bool Gone { get; init; }
}
