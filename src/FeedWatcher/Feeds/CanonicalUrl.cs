namespace FeedWatcher.Feeds;

/// <summary>The form of a URL used to tell whether two links are the same page: lower-case scheme and host,
/// no default port, no fragment, no tracking parameters. Only for identity; links are shown as given.</summary>
public static class CanonicalUrl
{
    static readonly HashSet<string> Tracking = new(StringComparer.OrdinalIgnoreCase)
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
        "ref_src", "ref_url", "cmpid", "ito", "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
        "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee", "oly_enc_id", "oly_anon_id", "vero_id", "wt.mc_id",
        "mkt_tok", "hsenc", "_hsenc", "_hsmi", "spm", "share", "ncid", "sr_share",
    };

    public static string Of(string url)
    {
        var trimmed = url.Trim();
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return trimmed;
        var query = string.Join('&', uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(pair => !IsTracking(pair[..(pair.IndexOf('=') is var i and >= 0 ? i : pair.Length)])));
        var port = uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"{uri.Scheme}://{uri.Host.ToLowerInvariant()}{port}{uri.AbsolutePath}{(query.Length > 0 ? "?" + query : "")}";
    }

    static bool IsTracking(string name) =>
        name.StartsWith("utm_", StringComparison.OrdinalIgnoreCase) || Tracking.Contains(Uri.UnescapeDataString(name));
}
