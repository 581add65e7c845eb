using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Storage;
using MimeKit;

namespace FeedWatcher.Tests.Digests;

public class DigestComposerTests
{
    static readonly DateTimeOffset Now = new(2017, 4, 15, 6, 0, 0, TimeSpan.Zero);
    static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    static DigestHit Hit(long id, string watch, string title, string? link = "http://example.org/a", params string[] matched) => new()
    {
        HitId = id, Watch = watch, Title = title, Link = link, Feed = "World desk",
        PublishedAt = new DateTime(2017, 4, 14, 16, 5, 0, DateTimeKind.Utc), Matched = matched.Length == 0 ? ["Afghanistan"] : matched,
    };

    static MimeMessage Compose(params DigestHit[] hits) =>
        DigestComposer.Compose(hits, new DigestOptions { From = "FeedWatcher <fw@example.org>", To = ["editor@example.org"] }, Now, London);

    [Fact]
    public void One_multipart_alternative_email_grouped_by_watch()
    {
        var message = Compose(
            Hit(1, "Afghanistan peace talks", "Moscow meeting ends", matched: ["Afghanistan", "Moscow conference"]),
            Hit(2, "Afghanistan peace talks", "Kabul responds"),
            Hit(3, "Border security", "Patrols increased"));

        Assert.Equal("FeedWatcher: 3 new items on Afghanistan peace talks, Border security", message.Subject);
        Assert.Equal("editor@example.org", Assert.Single(message.To.Mailboxes).Address);
        var body = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], body.Select(p => p.ContentType.MimeType));

        var text = message.TextBody!;
        Assert.Contains("== Afghanistan peace talks (2) ==", text);
        Assert.Contains("== Border security (1) ==", text);
        Assert.Contains("* Moscow meeting ends\n  World desk, Fri 14 Apr 2017 17:05\n  http://example.org/a\n  Matched: Afghanistan, Moscow conference", text.ReplaceLineEndings("\n"));
        Assert.True(text.IndexOf("Afghanistan peace talks", StringComparison.Ordinal) < text.IndexOf("Border security", StringComparison.Ordinal));

        var html = message.HtmlBody;
        Assert.Contains("<a href=\"http://example.org/a\"", html);
        Assert.Contains("Fri 14 Apr 2017 17:05", html); // shown in the digest's time zone (BST)
        Assert.DoesNotContain("<style", html);
        Assert.DoesNotContain("<img", html);
    }

    [Fact]
    public void Feed_text_is_escaped_and_only_web_links_are_linked()
    {
        var message = Compose(Hit(1, "w", "<script>alert('x')</script> & <b>bold</b>", "javascript:alert(1)"));
        var html = message.HtmlBody;
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<b>bold", html);
        Assert.DoesNotContain("javascript:", html);
        Assert.Contains("&lt;script&gt;", html);
    }

    [Fact]
    public void Same_hits_give_the_same_message_id()
    {
        Assert.Equal(Compose(Hit(1, "w", "a"), Hit(2, "w", "b")).MessageId, Compose(Hit(2, "w", "b"), Hit(1, "w", "a")).MessageId);
        Assert.NotEqual(Compose(Hit(1, "w", "a")).MessageId, Compose(Hit(2, "w", "a")).MessageId);
    }

    [Fact]
    public void Empty_digest_says_so() => Assert.Equal("FeedWatcher: no new items", Compose().Subject);
}
