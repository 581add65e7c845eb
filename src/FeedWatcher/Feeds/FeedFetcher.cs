using System.Net;
using System.Net.Http.Headers;
using FeedWatcher.Configuration;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Feeds;

/// <summary>Fetches a feed over HTTP with conditional GET, a timeout and a body size limit.</summary>
public sealed class FeedFetcher(HttpClient http, IOptionsMonitor<FeedWatcherOptions> options)
{
    public static readonly string UserAgent = $"FeedWatcher/{typeof(FeedFetcher).Assembly.GetName().Version?.ToString(3)}";

    /// <summary>GETs <paramref name="url"/>, sending back the validators of the last fetch verbatim.</summary>
    /// <exception cref="FeedFetchException">The server failed, timed out, or sent too much.</exception>
    public async Task<FetchResult> FetchAsync(string url, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        var polling = options.CurrentValue.Polling;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(polling.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.TryAddWithoutValidation("Accept",
            "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5");
        if (!string.IsNullOrEmpty(etag)) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        if (!string.IsNullOrEmpty(lastModified)) request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var newETag = Header(response.Headers, "ETag") ?? etag;
            var newLastModified = Header(response.Content.Headers, "Last-Modified") ?? lastModified;
            if (response.StatusCode == HttpStatusCode.NotModified)
                return new FetchResult(null, null, newETag, newLastModified);
            if (!response.IsSuccessStatusCode)
                throw new FeedFetchException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
            var body = await ReadLimitedAsync(response.Content, polling.MaxBodyBytes, timeout.Token);
            return new FetchResult(body, response.Content.Headers.ContentType?.ToString(), newETag, newLastModified);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FeedFetchException($"timed out after {polling.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            var detail = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $" ({inner.Message})" : "";
            throw new FeedFetchException(e.Message + detail, e);
        }
    }

    static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    static async Task<byte[]> ReadLimitedAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes)
            throw new FeedFetchException($"body of {content.Headers.ContentLength} bytes is over the limit of {maxBytes}");
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                throw new FeedFetchException($"body is over the limit of {maxBytes} bytes");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}

/// <summary>What a fetch brought: a body, or none when the feed was not modified.</summary>
public sealed record FetchResult(byte[]? Body, string? ContentType, string? ETag, string? LastModified)
{
    public bool NotModified => Body is null;
}

/// <summary>A feed could not be fetched; the message says why and is shown in the feed's health.</summary>
public sealed class FeedFetchException(string message, Exception? inner = null) : Exception(message, inner);
