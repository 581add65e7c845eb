using System.Net;
using System.Net.Sockets;
using FeedWatcher.Configuration;

namespace FeedWatcher.Feeds;

/// <summary>Keeps feed fetches off the machine's own and private networks (server-side request forgery): every
/// connection the feed client makes, each redirect hop and each DNS answer included, goes to a public address, or
/// to one that <c>FeedWatcher:Polling:AllowPrivateNetworks</c> lists (a range, an address or a host name). Refused
/// are loopback, link-local, private, shared (100.64/10), multicast, unspecified and reserved addresses, in IPv4,
/// IPv6 and the IPv6 forms that carry an IPv4 address. The addresses are checked as they are connected to, so a
/// name that resolves differently the second time (DNS rebinding) is caught too.</summary>
public sealed class NetworkGuard(Func<PollingOptions> polling)
{
    public const string Setting = "FeedWatcher:Polling:AllowPrivateNetworks";

    static readonly (IPNetwork Network, string Kind)[] Refused =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "an unspecified"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private"),
        (IPNetwork.Parse("100.64.0.0/10"), "a shared (carrier-grade NAT)"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local"),
        (IPNetwork.Parse("192.0.0.0/24"), "a reserved"),
        (IPNetwork.Parse("198.18.0.0/15"), "a reserved"),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "a reserved"),
        (IPNetwork.Parse("::/128"), "an unspecified"),
        (IPNetwork.Parse("::1/128"), "a loopback"),
        (IPNetwork.Parse("fe80::/10"), "a link-local"),
        (IPNetwork.Parse("fec0::/10"), "a private"),
        (IPNetwork.Parse("fc00::/7"), "a private"),
        (IPNetwork.Parse("ff00::/8"), "a multicast"),
    ];

    /// <summary>The feed client's connect step: resolves the host, refuses what may not be reached, connects to the
    /// first address that may.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var (host, port) = (context.DnsEndPoint.Host, context.DnsEndPoint.Port);
        var addresses = await AllowedAddressesAsync(host, cancellationToken);
        var socket = Socket.OSSupportsIPv6 ? new Socket(SocketType.Stream, ProtocolType.Tcp) : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            await socket.ConnectAsync(addresses, port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Why <paramref name="url"/> will be refused, as far as can be told without asking DNS: for an address
    /// written in the URL, or localhost (which is loopback by definition); null otherwise. For OPML imports and
    /// <c>config check</c>, which tell the user at once.</summary>
    public static string? KnownRefusal(Uri url, IReadOnlyList<string> allowList)
    {
        var name = url.IdnHost.Trim('[', ']');
        var localhost = name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
        if (!IPAddress.TryParse(name, out var address) && !localhost) return null;
        if (address is null)
            return IsAllowed(name, IPAddress.Loopback, allowList) || IsAllowed(name, IPAddress.IPv6Loopback, allowList) ? null
                : $"refused: {name} is a loopback address ({Advice})";
        return Kind(address) is { } kind && !IsAllowed(name, address, allowList) ? $"refused: {name} is {kind} address ({Advice})" : null;
    }

    async Task<IPAddress[]> AllowedAddressesAsync(string host, CancellationToken cancellationToken)
    {
        var name = host.Trim('[', ']');
        var addresses = IPAddress.TryParse(name, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(name, cancellationToken);
        var allowList = polling().AllowPrivateNetworks;
        var allowed = addresses.Where(a => Kind(a) is null || IsAllowed(name, a, allowList)).ToArray();
        if (allowed.Length > 0) return allowed;
        var first = addresses.FirstOrDefault() ?? throw new SocketException((int)SocketError.HostNotFound);
        var kind = Kind(first);
        throw new NetworkRefusedException(literal is not null
            ? $"refused: {name} is {kind} address ({Advice})"
            : $"refused: {name} resolves to {Plain(first)}, {kind} address ({Advice})");
    }

    const string Advice = "feeds may reach loopback, private and link-local networks only when " + Setting + " lists them";

    /// <summary>What kind of address a fetch may not reach without being allowed ("a loopback"), or null for a public one.</summary>
    public static string? Kind(IPAddress address)
    {
        var plain = Plain(address);
        foreach (var (network, kind) in Refused)
        {
            if (network.Contains(plain)) return kind;
        }
        return null;
    }

    // The IPv4 address inside an IPv6 form that carries one (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16).
    static IPAddress Plain(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        var bytes = address.GetAddressBytes();
        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && bytes.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            return new IPAddress(bytes.AsSpan(12, 4));
        if (bytes[0] == 0x20 && bytes[1] == 0x02)
            return new IPAddress(bytes.AsSpan(2, 4));
        return address;
    }

    static bool IsAllowed(string host, IPAddress address, IReadOnlyList<string> allowList)
    {
        var plain = Plain(address);
        foreach (var entry in allowList)
        {
            if (TryNetwork(entry, out var network) ? network.Contains(plain) : string.Equals(entry.Trim(), host, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>An entry of the allow-list as a range: "10.0.0.0/8", or one address ("127.0.0.1", "::1").</summary>
    public static bool TryNetwork(string entry, out IPNetwork network)
    {
        var text = entry.Trim().Trim('[', ']');
        if (IPNetwork.TryParse(text, out network)) return true;
        if (!IPAddress.TryParse(text, out var address)) return false;
        network = new IPNetwork(Plain(address), Plain(address).AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }
}

/// <summary>A fetch was refused by <see cref="NetworkGuard"/> before any connection was made.</summary>
public sealed class NetworkRefusedException(string message) : IOException(message);
