using System.Net;
using Dapper;
using FeedWatcher.Configuration;
using FeedWatcher.Digests;
using FeedWatcher.Feeds;
using FeedWatcher.Matching;
using FeedWatcher.Scheduling;
using FeedWatcher.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Quartz;

namespace FeedWatcher;

/// <summary>All of FeedWatcher's services, in one place.</summary>
public static class FeedWatcherServices
{
    /// <summary>The host with FeedWatcher's configuration sources, each over the one before: the defaults file (in a
    /// clone its top-level appsettings.json, else the one beside the binary), the user's file (<c>--config FILE</c>
    /// among <paramref name="args"/> unless <paramref name="userFile"/> is given, <c>$FEEDWATCHER_CONFIG</c>, or
    /// /etc/feedwatcher/appsettings.json; a list there replaces the default list, see <see cref="LayeredJsonSource"/>
    /// and <see cref="ConfigurationFiles"/>), environment variables (FeedWatcher__Smtp__Password, ...), then the
    /// command line. Both files are read again when they change.</summary>
    public static HostApplicationBuilder CreateBuilder(string[] args, string? userFile = null)
    {
        var (settings, config) = ConfigurationFiles.TakeOption(args);
        var defaults = ConfigurationFiles.Defaults(AppContext.BaseDirectory);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = settings, ContentRootPath = Path.GetDirectoryName(defaults) });
        // The two files are read as one, where the standard appsettings.json was.
        var sources = builder.Configuration.Sources;
        var standard = sources.Select((source, i) => (source, i))
            .First(x => x.source is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path: ConfigurationFiles.FileName }).i;
        var (user, required) = ConfigurationFiles.User(userFile ?? config);
        sources[standard] = new LayeredJsonSource(defaults, user, required);
        ValidatedOptionsMonitor.IgnoreReloadErrors(builder.Configuration);
        return builder;
    }

    public static IHostApplicationBuilder AddFeedWatcher(this IHostApplicationBuilder builder)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        var services = builder.Services;
        // The settings as they are now, for what is decided once at start: the metrics endpoint and the schedules.
        var configured = builder.Configuration.GetSection(FeedWatcherOptions.Section).Get<FeedWatcherOptions>() ?? new();
        // Under systemd: READY=1 once started (migrations applied), STOPPING=1 on shutdown, and log lines in the
        // journal's format with their priority. Elsewhere nothing changes.
        services.AddSystemd();
        services.TryAddSingleton<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier, Microsoft.Extensions.Hosting.Systemd.SystemdNotifier>(); // idle outside systemd
        if (Microsoft.Extensions.Hosting.Systemd.SystemdHelpers.IsSystemdService())
        {
            // The journal stamps each line itself and reads its priority from the systemd format.
            services.PostConfigure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.FormatterName = Microsoft.Extensions.Logging.Console.ConsoleFormatterNames.Systemd);
            services.PostConfigure<Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>(o => o.TimestampFormat = null);
        }
        services.AddOptions<FeedWatcherOptions>().Bind(builder.Configuration.GetSection(FeedWatcherOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FeedWatcherOptions>, OptionsValidator>();
        services.AddSingleton<IOptionsMonitor<FeedWatcherOptions>, ValidatedOptionsMonitor>();
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton(sp =>
        {
            var database = sp.GetRequiredService<IOptions<FeedWatcherOptions>>().Value.Database;
            var connection = database.Connection();
            // The same few statements run for every feed: let Npgsql prepare them once per connection.
            if (connection.MaxAutoPrepare == 0)
                connection.MaxAutoPrepare = 32;
            // FeedWatcher leaves no session state behind (no SET, no session locks, no temporary tables), so a
            // connection going back to the pool needs no reset: four statements saved per feed polled.
            connection.NoResetOnClose = true;
            return new NpgsqlDataSourceBuilder(connection.ConnectionString)
                .UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())
                .Build();
        });
        services.AddSingleton<Migrator>();
        services.AddSingleton<FeedStore>();
        services.AddSingleton<HitStore>();
        services.AddSingleton<ItemStore>();
        services.AddSingleton<LearningStore>();
        services.AddSingleton<PollWriter>();

        services.AddSingleton(sp => new NetworkGuard(() => sp.GetRequiredService<IOptionsMonitor<FeedWatcherOptions>>().CurrentValue.Polling));
        services.AddSingleton(sp => new FeedFetcher(
            CreateFeedHttpClient(sp.GetRequiredService<IOptions<FeedWatcherOptions>>().Value.Polling, sp.GetRequiredService<NetworkGuard>()),
            sp.GetRequiredService<IOptionsMonitor<FeedWatcherOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TermStatistics>();
        services.AddSingleton<WatchRegistry>();
        services.AddSingleton<IWatchMatcher>(sp => sp.GetRequiredService<WatchRegistry>());
        services.AddSingleton<WatchLearning>();
        services.AddSingleton<FeedRefresher>();
        services.AddSingleton<PollCycle>();
        services.AddSingleton<MailDelivery>();
        services.AddSingleton<Observability.FeedWatcherMetrics>();
        if (configured.Metrics.Prometheus)
            AddPrometheus(services, configured.Metrics);
        services.AddSingleton<DigestStore>();
        services.AddSingleton<WorkerStore>();
        services.AddSingleton<RetentionStore>();
        services.AddSingleton<DigestOutbox>();

        services.AddHostedService<AnnounceOnStart>();
        services.AddHostedService<MigrateOnStart>();
        services.AddHostedService<ClusterCheck>(); // before the scheduler joins the cluster
        services.AddSingleton<LearnTermsOnStart>();
        services.AddHostedService(sp => sp.GetRequiredService<LearnTermsOnStart>());
        AddScheduler(services, configured);
        services.AddHostedService<Heartbeat>(); // after the scheduler, so that its first beat finds it running
        services.AddSingleton<Web.WebServer>();
        services.AddSingleton<Web.JudgementLinks>();
        if (configured.Web.Enabled)
            services.AddHostedService(sp => sp.GetRequiredService<Web.WebServer>());
        services.AddHostedService<Watchdog>();
        return builder;
    }

    // The Prometheus endpoint, when enabled; the meter counts either way, at no cost without a listener. A method
    // of its own, so that OpenTelemetry's assemblies are loaded only when it is enabled.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static void AddPrometheus(IServiceCollection services, MetricsOptions metrics)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("feedwatcher", serviceVersion: typeof(FeedWatcherServices).Assembly.GetName().Version?.ToString(3)))
            .WithMetrics(meters => meters
                .AddMeter(Observability.FeedWatcherMetrics.MeterName)
                .AddPrometheusHttpListener(o => (o.Host, o.Port) = (metrics.Host, metrics.Port)));
    }

    // Quartz on its clustered ADO.NET job store in FeedWatcher's database (tables of migration 0011): the digests'
    // schedules and the outbox's check fire on one instance of the cluster each time. Feeds are polled by every
    // instance (PollLoop), each claiming the due feeds it polls.
    static void AddScheduler(IServiceCollection services, FeedWatcherOptions options)
    {
        services.AddTransient<SendDigestJob>();
        services.AddTransient<DeliverDigestsJob>();
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s => (s.InstanceName, s.InstanceId) = ("FeedWatcher", WorkerStore.Instance));
            q.UsePersistentStore(store =>
            {
                // Npgsql's factory itself, not its type name, which a trimmed publish does not resolve; the password as
                // FeedWatcher's own connections use it.
                store.UsePostgres(NpgsqlFactory.Instance, options.Database.Connection().ConnectionString);
                store.ConfigureStore(s => s.TablePrefix = "quartz.qrtz_");
                store.UseSystemTextJsonSerializer(_ => { });
                store.UseClustering(cluster =>
                {
                    cluster.CheckinInterval = options.Scheduler.CheckinInterval;
                    cluster.CheckinMisfireThreshold = options.Scheduler.FailureThreshold;
                });
            });
            q.AddJob<DeliverDigestsJob>(j => j.WithIdentity(DeliverDigestsJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(DeliverDigestsJob.Key)
                .WithIdentity("deliver-digests-check", "feedwatcher")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromMinutes(1)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            q.AddJob<RetentionJob>(j => j.WithIdentity(RetentionJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(RetentionJob.Key)
                .WithIdentity(RetentionJob.Trigger)
                .WithCronSchedule(options.Retention.Schedule, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
        });
        services.AddTransient<RetentionJob>();
        services.AddQuartzHostedService(q => q.WaitForJobsToComplete = true);
        services.AddHostedService<DigestSchedules>(); // each digest's trigger, as configured, now and after every edit
        services.AddHostedService<PollLoop>();
    }

    // Redirects are FeedFetcher's to follow, so that permanent ones can be recorded; every connection goes through
    // the network guard.
    internal static HttpClient CreateFeedHttpClient(PollingOptions polling, NetworkGuard guard) => new(new SocketsHttpHandler
    {
        ConnectCallback = guard.ConnectAsync,
        AutomaticDecompression = DecompressionMethods.All,
        UseCookies = false,
        AllowAutoRedirect = false,
        ConnectTimeout = polling.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = polling.MaxPerHost,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // FeedFetcher applies the configured timeout to each request
    };

    sealed class OptionsValidator : IValidateOptions<FeedWatcherOptions>
    {
        public ValidateOptionsResult Validate(string? name, FeedWatcherOptions options)
        {
            var problems = ConfigValidator.Validate(options);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
