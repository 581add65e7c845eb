using System.Globalization;
using FeedWatcher.Feeds.Parsing;

namespace FeedWatcher.Tests.Feeds.Parsing;

public class FeedDatesTests
{
    [Theory]
    // RFC 822 / 1123 and what feeds make of them
    [InlineData("Fri, 14 Apr 2017 08:30:00 GMT", "2017-04-14T08:30:00Z")]
    [InlineData("Fri, 14 Apr 2017 08:30:00 +0430", "2017-04-14T04:00:00Z")]
    [InlineData("Fri, 14 Apr 17 08:30:00 -0000", "2017-04-14T08:30:00Z")]
    [InlineData("Fri,14 Apr 2017 08:30 UT", "2017-04-14T08:30:00Z")]
    [InlineData("Friday, 14 April 2017 08:30:00 EDT", "2017-04-14T12:30:00Z")]
    [InlineData("Fri, 14 Apr 2017 08:30:00 CEST", "2017-04-14T06:30:00Z")]
    [InlineData("Fri, 14 Apr 2017 08:30:00 MET", "2017-04-14T07:30:00Z")]
    [InlineData("Fri, 14 Apr 2017 08:30:00 PT", "2017-04-14T16:30:00Z")]
    [InlineData("Fri, 14 Apr 2017 08:30:00 GMT+04:30", "2017-04-14T04:00:00Z")]
    [InlineData("Fri, 14 Apr 2017 08:30:00 Asia/Kabul", "2017-04-14T04:00:00Z")]
    [InlineData("Fri, 14 Apr 2017", "2017-04-14T00:00:00Z")]
    [InlineData("Fri Apr 14 08:30:00 2017", "2017-04-14T08:30:00Z")]
    [InlineData("Fri Apr 14 2017 08:30:00 GMT+0000 (Coordinated Universal Time)", "2017-04-14T08:30:00Z")]
    [InlineData("April 14, 2017 at 8:30 PM EDT", "2017-04-15T00:30:00Z")]
    [InlineData("Fri, 14th Apr 2017 08:30:00 GMT", "2017-04-14T08:30:00Z")]
    [InlineData("Fr, 14 Apr 2017 08:30:00 +0200", "2017-04-14T06:30:00Z")]
    [InlineData("ven., 14 avril 2017 08:30:00 +0200", "2017-04-14T06:30:00Z")]
    [InlineData("Fri, 2017/04/14 08:30:00 GMT", "2017-04-14T08:30:00Z")]
    [InlineData("04/14/2017 8:30 am", "2017-04-14T08:30:00Z")]
    [InlineData("14.04.17", "2017-04-14T00:00:00Z")]
    // ISO 8601 / W3C-DTF
    [InlineData("2017-04-14T08:30:00Z", "2017-04-14T08:30:00Z")]
    [InlineData("2017-04-14T08:30:00.123+04:30", "2017-04-14T04:00:00Z")]
    [InlineData("2017-04-14 08:30:00", "2017-04-14T08:30:00Z")]
    [InlineData("2017-04-14T08:30:00.000000-07:00", "2017-04-14T15:30:00Z")]
    [InlineData("2017-04-14T08:30:00,5Z", "2017-04-14T08:30:00Z")]
    [InlineData("2017-04-14T08:30:00+0430", "2017-04-14T04:00:00Z")]   // zones past the common forms: the general reader
    [InlineData("2017-04-14T08:30:00 +04:30", "2017-04-14T04:00:00Z")]
    [InlineData("2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z")]      // a leap second
    [InlineData("2017-04-14", "2017-04-14T00:00:00Z")]
    [InlineData("2017-04", "2017-04-01T00:00:00Z")]
    [InlineData("20170414T083000Z", "2017-04-14T08:30:00Z")]
    [InlineData("1492158600", "2017-04-14T08:30:00Z")]
    public void Reads_the_instant(string text, string expected) =>
        Assert.Equal(DateTime.Parse(expected, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), FeedDates.Parse(text));

    [Theory]
    [InlineData("Fri, 31 Apr 2017 08:30:00 GMT")]   // April has 30 days
    [InlineData("Fri, 14 Apr 2017 25:30:00 GMT")]
    [InlineData("Fri, 14 Foo 2017 08:30:00 GMT")]
    [InlineData("Fri, 14 Apr 2017 08:30:00 +04:xx")]
    [InlineData("2017-04-14T08:30:00+99:00")]
    [InlineData("2017-04-14T08:30:00+14:60")]
    [InlineData("2017-02-29T08:30:00Z")]
    [InlineData("2017-04-14T08:30:00.Z")]
    [InlineData("2017-13-01")]
    [InlineData("2017-04-14T08:30:00Zjunk")]
    [InlineData("yesterday")]
    [InlineData("12345")]
    [InlineData("")]
    [InlineData(null)]
    public void Rejects_what_it_cannot_read_for_certain(string? text) => Assert.Null(FeedDates.Parse(text));

    [Fact]
    public void The_machine_culture_changes_nothing()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal(new DateTime(2017, 4, 14, 8, 30, 0, DateTimeKind.Utc), FeedDates.Parse("Fri, 14 Apr 2017 08:30:00 GMT"));
            Assert.Equal(new DateTime(2017, 4, 14, 8, 30, 0, DateTimeKind.Utc), FeedDates.Parse("2017-04-14 08:30:00"));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
