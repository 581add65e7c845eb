using System.Security.Cryptography;
using System.Text;

namespace FeedWatcher.Feeds;

/// <summary>The stable identity of an item within its feed: its guid, else its canonical link (so that a
/// tracking parameter added later does not make it new), else a hash of its title and date.</summary>
public static class ItemKey
{
    // Keys longer than this are hashed so that they fit a btree index entry.
    const int MaxLength = 512;

    public static string For(FeedEntry entry)
    {
        var key = entry.Id is { } id ? "id:" + id
            : entry.Link is { } link ? "link:" + CanonicalUrl.Of(link)
            : "hash:" + Hash(entry.TitleText + "\n" + (entry.Published ?? entry.Updated)?.ToString("O"));
        return key.Length <= MaxLength ? key : "sha256:" + Hash(key);
    }

    static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
