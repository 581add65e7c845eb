using System.Net;
using System.Net.Sockets;
using FeedWatcher.Configuration;
using FeedWatcher.Feeds;
using FeedWatcher.Tests.Infrastructure;

namespace FeedWatcher.Tests.Feeds;

/// <summary>Feeds reach public addresses only, unless Polling:AllowPrivateNetworks says otherwise: every connection
/// is checked, each redirect hop and each DNS answer included, and a refused one is never made.</summary>
public sealed class NetworkGuardTests : IAsyncLifetime
{
    FeedServer _server = null!;

    public async Task InitializeAsync() => _server = await FeedServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("127.0.0.1", "a loopback")]
    [InlineData("127.8.9.10", "a loopback")]
    [InlineData("::1", "a loopback")]
    [InlineData("::ffff:127.0.0.1", "a loopback")]
    [InlineData("10.1.2.3", "a private")]
    [InlineData("172.20.0.1", "a private")]
    [InlineData("192.168.1.1", "a private")]
    [InlineData("fd12:3456::1", "a private")]
    [InlineData("64:ff9b::a00:1", "a private")] // NAT64 of 10.0.0.1
    [InlineData("2002:c0a8:101::1", "a private")] // 6to4 of 192.168.1.1
    [InlineData("169.254.169.254", "a link-local")]
    [InlineData("fe80::1", "a link-local")]
    [InlineData("100.64.0.1", "a shared (carrier-grade NAT)")]
    [InlineData("224.0.0.251", "a multicast")]
    [InlineData("ff02::1", "a multicast")]
    [InlineData("0.0.0.0", "an unspecified")]
    [InlineData("::", "an unspecified")]
    [InlineData("255.255.255.255", "a reserved")]
    [InlineData("8.8.8.8", null)]
    [InlineData("93.184.216.34", null)]
    [InlineData("2606:4700::1111", null)]
    [InlineData("172.32.0.1", null)]
    public void Addresses_that_are_not_public_are_named(string address, string? kind) =>
        Assert.Equal(kind, NetworkGuard.Kind(IPAddress.Parse(address)));

    [Fact]
    public async Task Loopback_is_refused_unless_allowed()
    {
        _server.Feed("/feed.rss", Infrastructure.Feeds.Rss("Desk", Infrastructure.Feeds.FollowUp));

        var error = await Assert.ThrowsAsync<FeedFetchException>(() => FeedFetcherTests.Fetcher(p => p.AllowPrivateNetworks = []).FetchAsync(_server.Url("/feed.rss"), null, null, default));

        Assert.Equal("refused: 127.0.0.1 is a loopback address (feeds may reach loopback, private and link-local networks only when "
            + "FeedWatcher:Polling:AllowPrivateNetworks lists them)", error.Message);
        Assert.Empty(_server.Requests);
        using var allowed = await FeedFetcherTests.Fetcher(p => p.AllowPrivateNetworks = ["127.0.0.0/8"]).FetchAsync(_server.Url("/feed.rss"), null, null, default);
        Assert.Equal(200, allowed.StatusCode);
    }

    [Fact]
    public async Task A_redirect_to_a_refused_address_is_refused_without_connecting()
    {
        // Something listens on 127.0.0.2, which the allow-list (127.0.0.1 only) leaves out.
        using var other = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        other.Start();
        var target = $"http://127.0.0.2:{((IPEndPoint)other.LocalEndpoint).Port}/internal";
        _server.Route("/feed.rss", context => { context.Response.StatusCode = 302; context.Response.Headers.Location = target; return Task.CompletedTask; });

        var error = await Assert.ThrowsAsync<FeedFetchException>(() => FeedFetcherTests.Fetcher().FetchAsync(_server.Url("/feed.rss"), null, null, default));

        Assert.StartsWith("refused: 127.0.0.2 is a loopback address", error.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests); // the allowed feed was asked
        Assert.False(other.Pending()); // the refused address never was
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_refused_address_is_refused()
    {
        var url = $"http://localhost:{new Uri(_server.BaseUrl).Port}/feed.rss";

        var error = await Assert.ThrowsAsync<FeedFetchException>(() => FeedFetcherTests.Fetcher(p => p.AllowPrivateNetworks = ["127.0.0.2"]).FetchAsync(url, null, null, default));

        Assert.Matches(@"^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address", error.Message);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_host_name_on_the_allow_list_may_be_reached()
    {
        _server.Feed("/feed.rss", Infrastructure.Feeds.Rss("Desk", Infrastructure.Feeds.FollowUp));
        var url = $"http://localhost:{new Uri(_server.BaseUrl).Port}/feed.rss";

        using var fetched = await FeedFetcherTests.Fetcher(p => p.AllowPrivateNetworks = ["LocalHost"]).FetchAsync(url, null, null, default);

        Assert.Equal(200, fetched.StatusCode);
    }

    [Fact]
    public void Allow_list_entries_are_checked()
    {
        var problems = ConfigValidator.Validate(new FeedWatcherOptions
        {
            Polling = new PollingOptions { AllowPrivateNetworks = ["10.0.0.0/8", "127.0.0.1", "::1", "feeds.intranet.example", "10.0.0.0/33", "not a host"] },
            Watches = [new WatchOptions { Name = "w", Keywords = ["x"] }],
        });
        Assert.Equal(
        [
            "FeedWatcher:Polling:AllowPrivateNetworks:4: '10.0.0.0/33' is not a range (10.0.0.0/8), an address (127.0.0.1) or a host name",
            "FeedWatcher:Polling:AllowPrivateNetworks:5: 'not a host' is not a range (10.0.0.0/8), an address (127.0.0.1) or a host name",
        ], problems);
    }
}
