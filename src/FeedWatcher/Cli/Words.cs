namespace FeedWatcher.Cli;

/// <summary>Numbers and periods as the commands' sentences say them.</summary>
public static class Words
{
    /// <summary>"1 item", "3 items".</summary>
    public static string Count(long count, string one, string? many = null) => $"{count} {(count == 1 ? one : many ?? one + "s")}";

    /// <summary>"day", "6 hours", "90 minutes": a period as in "the last ...".</summary>
    public static string Span(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays % 1 == 0 ? (span.TotalDays == 1 ? "day" : $"{span.TotalDays:0} days")
        : span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? (span.TotalHours == 1 ? "hour" : $"{span.TotalHours:0} hours")
        : $"{span.TotalMinutes:0} minutes";

    /// <summary>"45 s", "12 min", "3 h 5 min": a length of time, to the unit that matters.</summary>
    public static string Ago(TimeSpan span) =>
        span.TotalSeconds < 120 ? $"{Math.Max(0, (int)span.TotalSeconds)} s" : span.TotalMinutes < 120 ? $"{(int)span.TotalMinutes} min" : $"{(int)span.TotalHours} h {span.Minutes} min";

    /// <summary>"812 kB", "1.4 GB".</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1_000_000 => FormattableString.Invariant($"{bytes / 1000.0:0} kB"),
        < 1_000_000_000 => FormattableString.Invariant($"{bytes / 1e6:0.0} MB"),
        _ => FormattableString.Invariant($"{bytes / 1e9:0.00} GB"),
    };
}
