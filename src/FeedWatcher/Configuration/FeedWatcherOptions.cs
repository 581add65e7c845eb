namespace FeedWatcher.Configuration;

/// <summary>Everything under the <c>FeedWatcher</c> section of the configuration.</summary>
public sealed class FeedWatcherOptions
{
    public const string Section = "FeedWatcher";

    /// <summary>Where FeedWatcher keeps its private database, pickup folder and other state.
    /// Relative paths are resolved against the current directory; systemd's STATE_DIRECTORY wins.</summary>
    public string StateDirectory { get; set; } = "state";

    public DatabaseOptions Database { get; set; } = new();
    public PollingOptions Polling { get; set; } = new();
    public List<FeedOptions> Feeds { get; set; } = [];
    public List<WatchOptions> Watches { get; set; } = [];

    /// <summary>Groups of names for one thing (Daesh = ISIS = ISIL), for every watch.</summary>
    public List<List<string>> Aliases { get; set; } = [];
    /// <summary>The digests sent; see <see cref="DigestOptions"/>.</summary>
    public List<DigestOptions> Digests { get; set; } = [];
    public SmtpOptions Smtp { get; set; } = new();
    public MetricsOptions Metrics { get; set; } = new();
    public StatusOptions Status { get; set; } = new();
    public WebOptions Web { get; set; } = new();
    public SchedulerOptions Scheduler { get; set; } = new();
    public RetentionOptions Retention { get; set; } = new();

    public string ResolveStateDirectory()
    {
        var fromSystemd = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        var dir = string.IsNullOrWhiteSpace(fromSystemd) ? StateDirectory : fromSystemd.Split(':')[0];
        return Path.GetFullPath(dir);
    }
}

/// <summary>The PostgreSQL database; with no connection string a private cluster is started.</summary>
public sealed class DatabaseOptions
{
    public string ConnectionString { get; set; } = "";

    /// <summary>Overrides the password of the connection string, so it can come from the environment.</summary>
    public string? Password { get; set; }

    /// <summary>Where initdb and pg_ctl live, for the private cluster; found on PATH or under
    /// /usr/lib/postgresql when empty.</summary>
    public string? PostgresBinDirectory { get; set; }

    /// <summary>The connection string with <see cref="Password"/> in it, as every connection FeedWatcher makes uses it.</summary>
    public Npgsql.NpgsqlConnectionStringBuilder Connection()
    {
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
        if (!string.IsNullOrEmpty(Password)) connection.Password = Password;
        return connection;
    }
}

/// <summary>How feeds are fetched.</summary>
public sealed class PollingOptions
{
    /// <summary>How often the scheduler looks for feeds that are due.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Poll interval of a feed that sets none of its own.</summary>
    public TimeSpan DefaultInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>No feed waits longer than this between polls, whatever it or its server asks.</summary>
    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Whole-request timeout of one fetch.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public long MaxBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Feeds fetched at once, in all.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>Feeds fetched at once from one host.</summary>
    public int MaxPerHost { get; set; } = 2;

    /// <summary>At a feed's first poll, the items published this long before it are matched like new ones; older and
    /// undated items are recorded as seen without alerting, so that adding a feed does not flood the digest with its
    /// backlog. Zero records them all.</summary>
    public TimeSpan NewFeedBacklog { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Networks that feeds may reach although they are not public: ranges ("10.0.0.0/8"), addresses
    /// ("127.0.0.1") or host names ("feeds.intranet.example"). Loopback, link-local, private, shared, multicast and
    /// reserved addresses are refused otherwise, for every fetch and every redirect.</summary>
    public List<string> AllowPrivateNetworks { get; set; } = [];

    /// <summary>Where publishers can read about this FeedWatcher; sent in the User-Agent.</summary>
    public string ContactUrl { get; set; } = "https://github.com/feedwatcher/feedwatcher";
}

/// <summary>One feed to poll.</summary>
public sealed class FeedOptions
{
    public string Url { get; set; } = "";
    public string? Name { get; set; }
    public TimeSpan? Interval { get; set; }

    /// <summary>Labels that watches can be scoped to.</summary>
    public List<string> Tags { get; set; } = [];
}

/// <summary>One story to follow: what finds it (keywords, a query, the seed story it follows) and what
/// does not (exclusions, a minimum score, a scope of feeds).</summary>
public sealed class WatchOptions
{
    /// <summary>The score an item needs for a hit when a watch sets none.</summary>
    public const double DefaultMinScore = 0.3;

    public string Name { get; set; } = "";

    /// <summary>Each keyword matches when its words occur near each other; a "quoted" keyword only as that phrase.</summary>
    public List<string> Keywords { get; set; } = [];

    /// <summary>A boolean query (AND, OR, NOT or -, parentheses, "phrases", prefix*, NEAR/n, title:) that an
    /// item must satisfy.</summary>
    public string? Query { get; set; }

    /// <summary>Keywords (or queries) that rule an item out.</summary>
    public List<string> Exclude { get; set; } = [];

    /// <summary>Groups of names for one thing, for this watch, added to the global ones.</summary>
    public List<List<string>> Aliases { get; set; } = [];

    /// <summary>The story being followed: items like it score higher.</summary>
    public SeedOptions? Seed { get; set; }

    /// <summary>The score in [0, 1] an item needs to be a hit.</summary>
    public double? MinScore { get; set; }

    /// <summary>Words that are always part of what the watch compares items with, as the seed's words are.</summary>
    public List<string> Pin { get; set; } = [];

    /// <summary>Words the watch never learns from its hits and judgements.</summary>
    public List<string> Ban { get; set; } = [];

    /// <summary>Only items of these feeds (by name or URL); all feeds when empty.</summary>
    public List<string> Feeds { get; set; } = [];

    /// <summary>Only items of feeds with one of these tags; all feeds when empty.</summary>
    public List<string> Tags { get; set; } = [];
}

/// <summary>The seed story of a watch: its title and text, given here or read from a text file (its first line
/// the title).</summary>
public sealed class SeedOptions
{
    public string? Title { get; set; }
    public string? Text { get; set; }
    public string? File { get; set; }
}

/// <summary>A digest: which hits it carries, to whom and when it is sent.</summary>
public sealed class DigestOptions
{
    public const int DefaultMaxItems = 50;

    /// <summary>Names the digest in logs, in the outbox and on the command line (digest send NAME).</summary>
    public string Name { get; set; } = "";

    /// <summary>Quartz cron expression (seconds first).</summary>
    public string Schedule { get; set; } = "0 0 7 * * ?";

    /// <summary>IANA time zone of the schedule and of the times shown; the machine's zone when empty.</summary>
    public string TimeZone { get; set; } = "";

    public string From { get; set; } = "FeedWatcher <feedwatcher@localhost>";
    public List<string> To { get; set; } = [];

    /// <summary>The watches whose hits it carries; every watch when empty.</summary>
    public List<string> Watches { get; set; } = [];

    /// <summary>Hits scoring below this are left out (each watch's own MinScore already applies).</summary>
    public double MinScore { get; set; }

    /// <summary>The most stories one digest holds, the best first; the rest wait for the next one.</summary>
    public int MaxItems { get; set; } = DefaultMaxItems;

    public bool SendWhenEmpty { get; set; }

    /// <summary>When set, a hit scoring at least this is sent at once, in an alert of its own, after the poll
    /// that found it (and is not repeated in the scheduled digest).</summary>
    public double? AlertScore { get; set; }

    public TimeZoneInfo ResolveTimeZone() =>
        string.IsNullOrWhiteSpace(TimeZone) ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    public bool Carries(string watch) => Watches.Count == 0 || Watches.Contains(watch, StringComparer.OrdinalIgnoreCase);
}

/// <summary>When <c>feedwatcher status</c> calls FeedWatcher unhealthy, beyond a stopped worker or database.</summary>
public sealed class StatusOptions
{
    /// <summary>A digest still waiting to be delivered this long after it was made is a problem, not a warning.</summary>
    public TimeSpan DigestWaitLimit { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A digest still waiting after this many delivery attempts is a problem, not a warning.</summary>
    public int DigestAttemptLimit { get; set; } = 5;
}

/// <summary>OpenTelemetry metrics on a Prometheus endpoint, off unless enabled.</summary>
public sealed class MetricsOptions
{
    /// <summary>Serve the metrics for Prometheus to scrape.</summary>
    public bool Prometheus { get; set; }

    /// <summary>The address it listens on: loopback unless said otherwise.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Prometheus scrapes http://Host:Port/metrics.</summary>
    public int Port { get; set; } = 9464;
}

/// <summary>The instances that share one database: Quartz's clustered job store and the claims on due feeds.</summary>
public sealed class SchedulerOptions
{
    /// <summary>How often an instance tells the others it is alive.</summary>
    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an instance may be silent before the others take over its scheduled work.</summary>
    public TimeSpan FailureThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a claim on a due feed holds: an instance that dies holding it frees the feed when it runs out.</summary>
    public TimeSpan FeedLease { get; set; } = TimeSpan.FromSeconds(75);
}

/// <summary>What is kept of what FeedWatcher has seen, and for how long. Hits (with their items), judgements and
/// what the watches learnt are kept for good unless <see cref="Hits"/> says otherwise; so is the record of which hits
/// each digest carried.</summary>
public sealed class RetentionOptions
{
    /// <summary>Clean up at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When the cleanup runs: a Quartz cron expression, in UTC (once per cluster).</summary>
    public string Schedule { get; set; } = "0 30 3 * * ?";

    /// <summary>How long the title and summary of an item that is no hit are kept after it was first seen.</summary>
    public TimeSpan ItemText { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long an item that is no hit is remembered once its feed no longer lists it (and its text is
    /// gone): while its feed lists it, it is remembered, so that it never comes back as new.</summary>
    public TimeSpan UnlistedItems { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a sent digest's message is kept; what it carried is kept for good.</summary>
    public TimeSpan DigestMessages { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long hits are kept, with their items; unset: for good.</summary>
    public TimeSpan? Hits { get; set; }
}

/// <summary>The story pages: a small web server inside the worker, off unless enabled.</summary>
public sealed class WebOptions
{
    /// <summary>Serve the pages.</summary>
    public bool Enabled { get; set; }

    /// <summary>The address the pages are served on: loopback unless said otherwise.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The address readers reach the pages at, for the links in digests and feeds (behind a reverse proxy,
    /// say); the listening address when not set.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The password the pages ask for when they are served beyond loopback, as <c>feedwatcher web
    /// hash-password</c> prints it (PBKDF2); no password is asked on loopback.</summary>
    public string? PasswordHash { get; set; }
}

/// <summary>The SMTP server digests go through; with no host they are written to the pickup folder.</summary>
public sealed class SmtpOptions
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 587;

    /// <summary>None, StartTls or SslOnConnect: set explicitly, never a silent fall-back to plain text.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    public string? UserName { get; set; }
    public string? Password { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
}

public enum SmtpSecurity
{
    None,
    StartTls,
    SslOnConnect,
}
