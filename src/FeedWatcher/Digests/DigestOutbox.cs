using FeedWatcher.Configuration;
using FeedWatcher.Matching;
using FeedWatcher.Scheduling;
using FeedWatcher.Storage;
using MimeKit;
using Microsoft.Extensions.Options;

namespace FeedWatcher.Digests;

/// <summary>What one delivery attempt did to a digest: sent (to <paramref name="Destination"/>: the SMTP server and
/// recipients, or the .eml file written), pending (a retry is due later) or failed.</summary>
public sealed record DeliveryOutcome(long Id, string Name, string State, string? Error, string? Destination = null);

/// <summary>Makes digests and delivers them, once. A digest is created in one transaction that renders it and
/// claims its hits, so a hit is in at most one digest of each name; delivery leases one due digest at a time
/// (another worker's lease is skipped, unless that worker is known to be dead), sends the message exactly as stored,
/// and records the outcome. A crash at
/// any moment loses no hit and sends again at most the digest that was in flight, with the same Message-ID.
/// Transient SMTP failures (4xx, connection lost, timeouts, server down) are retried with backoff for up to
/// <see cref="GiveUpAfter"/>; permanent ones (5xx, authentication, TLS) fail the digest at once, and the next
/// digest of the same name says so.</summary>
public sealed class DigestOutbox(
    DigestStore digests,
    WorkerStore workers,
    HitStore hits,
    FeedStore feeds,
    MailDelivery delivery,
    WatchRegistry watches,
    TermStatistics statistics,
    IOptionsMonitor<FeedWatcherOptions> options,
    TimeProvider clock,
    Observability.FeedWatcherMetrics metrics,
    Web.JudgementLinks links,
    ILogger<DigestOutbox> logger)
{
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromDays(2), FirstRetry = TimeSpan.FromMinutes(1), LongestRetry = TimeSpan.FromHours(1);

    /// <summary>The digest definition named <paramref name="name"/> (any case); null when there is none.</summary>
    public DigestOptions? Find(string name) =>
        options.CurrentValue.Digests.FirstOrDefault(d => d.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>What the next digest would hold, claiming and sending nothing.</summary>
    public async Task<(DigestDraft Draft, MimeMessage Message)> PreviewAsync(DigestOptions digest, CancellationToken cancellationToken = default)
    {
        await using var connection = await digests.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var draft = await DraftAsync(connection, transaction, digest, "preview", digest.MinScore, cancellationToken);
        return (draft, DigestComposer.Compose(draft));
    }

    /// <summary>Makes the digest for <paramref name="period"/> (a scheduled time, or a key of a manual send) and
    /// adds it to the outbox with its hits claimed; the same name and period never make two digests. Returns its
    /// id, or null when there was nothing to send.</summary>
    public async Task<long?> CreateAsync(DigestOptions digest, string period, CancellationToken cancellationToken = default) =>
        await CreateAsync(digest, period, digest.MinScore, digest.SendWhenEmpty, cancellationToken);

    /// <summary>An alert: the hits at or above the digest's AlertScore that it has not carried yet, at once, in a
    /// message of their own. Null when there are none or the digest has no AlertScore.</summary>
    public async Task<long?> CreateAlertAsync(DigestOptions digest, CancellationToken cancellationToken = default) =>
        digest.AlertScore is { } score
            ? await CreateAsync(digest, $"alert:{clock.GetUtcNow().UtcDateTime:O}", Math.Max(score, digest.MinScore), sendWhenEmpty: false, cancellationToken, alert: true)
            : null;

    async Task<long?> CreateAsync(DigestOptions digest, string period, double minScore, bool sendWhenEmpty, CancellationToken cancellationToken, bool alert = false)
    {
        await using var connection = await digests.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DigestStore.LockNameAsync(connection, transaction, digest.Name);
        if (await DigestStore.FindAsync(connection, transaction, digest.Name, period) is { } existing)
            return existing;
        var draft = await DraftAsync(connection, transaction, digest, period, minScore, cancellationToken, alert);
        if (draft.Stories.Count == 0 && draft.Undelivered.Count == 0 && !sendWhenEmpty)
            return null;
        var message = DigestComposer.Compose(draft);
        using var bytes = new MemoryStream();
        await message.WriteToAsync(bytes, cancellationToken);
        var id = await DigestStore.InsertAsync(connection, transaction, digest.Name, period, message.MessageId!, message.Subject!,
            [.. message.To.Mailboxes.Select(m => m.Address)], bytes.ToArray(), draft.Stories.Count,
            [.. draft.Stories.SelectMany(s => s.HitIds), .. draft.HeldBack.Select(h => h.Hit.HitId)], [.. draft.Undelivered.Select(u => u.Id)], draft.Now.UtcDateTime);
        await LearningStore.RecordHeldBackAsync(connection, transaction, [.. draft.HeldBack.Select(h => (h.Hit.HitId, h.Like))]);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Digest {Digest} #{Id} ({Stories} stories) added to the outbox as {MessageId}", digest.Name, id, draft.Stories.Count, message.MessageId);
        return id;
    }

    async Task<DigestDraft> DraftAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction, DigestOptions digest, string period,
        double minScore, CancellationToken cancellationToken, bool alert = false)
    {
        var now = clock.GetUtcNow();
        // Enough hits for the best MaxItems stories with several feeds and watches each; the rest wait.
        var candidates = await hits.UnclaimedAsync(digest.Name, digest.Watches, minScore, digest.MaxItems * 10, connection, transaction, cancellationToken);
        // Titles compared for the same story: all encoded at once, each once.
        var sameStory = new SameStory(statistics, watches.Current.Aliases);
        var items = candidates.DistinctBy(h => h.ItemId).ToList();
        var titles = sameStory.Prepare([.. items.Select(h => h.Title)], cancellationToken);
        var byItem = items.Select((h, i) => (h.ItemId, Title: titles[i])).ToDictionary(x => x.ItemId, x => x.Title);
        var heldBack = await HoldBackAsync(connection, transaction, candidates, byItem, cancellationToken);
        var held = heldBack.Select(h => h.Hit.HitId).ToHashSet();
        var stories = DigestPlan.Stories(candidates.Where(h => !held.Contains(h.HitId)), (a, b) => sameStory.Same(byItem[a.ItemId], byItem[b.ItemId]), digest.MaxItems);
        var claimed = stories.Sum(s => s.HitIds.Count()) + heldBack.Count;
        var waiting = alert ? 0 : await HitStore.UnclaimedCountAsync(connection, transaction, digest.Name, digest.Watches, minScore) - claimed;
        IReadOnlyList<FeedRow> attention = [];
        IReadOnlyList<UndeliveredDigest> undelivered = [];
        if (!alert)
        {
            var movedSince = await DigestStore.LastCreatedAsync(connection, transaction, digest.Name) ?? now.UtcDateTime.AddDays(-7);
            attention = await feeds.NeedingAttentionAsync([.. options.CurrentValue.Feeds.Select(f => f.Url)], movedSince, cancellationToken);
            undelivered = await DigestStore.UnreportedFailuresAsync(connection, transaction, digest.Name);
        }
        return new DigestDraft(digest, period, now, stories, Math.Max(0, waiting), attention, undelivered, await LinksAsync(stories, cancellationToken))
        {
            HeldBack = heldBack,
        };
    }

    // The hits held back as like an item judged not relevant for their watch (HeldBack), each with that item. The judged
    // items' titles are encoded only for watches that have a judgement against.
    static async Task<IReadOnlyList<(DigestHit Hit, long Like)>> HoldBackAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction,
        IReadOnlyList<DigestHit> candidates, Dictionary<long, SameStory.Title> titles, CancellationToken cancellationToken)
    {
        if (candidates.Count == 0) return [];
        var verdicts = await LearningStore.JudgedAsync(connection, transaction, [.. candidates.Select(h => h.Watch.ToLowerInvariant()).Distinct()]);
        var against = verdicts.Where(v => !v.Relevant).Select(v => v.Watch).ToHashSet();
        var judged = verdicts.Where(v => against.Contains(v.Watch) && !string.IsNullOrWhiteSpace(v.Title)).ToList();
        if (judged.Count == 0) return [];
        var meanings = SentenceEmbeddings.Encode([.. judged.Select(v => v.Title)], cancellationToken);
        var byWatch = judged.Select((v, i) => (v.Watch, Judged: new HeldBack.Judged(v.ItemId, v.Relevant, meanings[i]))).ToLookup(x => x.Watch, x => x.Judged);
        return [.. candidates.Select(hit => (Hit: hit, Like: HeldBack.For(titles[hit.ItemId].Meaning, byWatch[hit.Watch.ToLowerInvariant()])))
            .Where(h => h.Like is not null).Select(h => (h.Hit, h.Like!.ItemId))];
    }

    // With a public address for the story pages, each story's hit gets its signed judgement links.
    async Task<DigestLinks?> LinksAsync(IReadOnlyList<DigestStory> stories, CancellationToken cancellationToken)
    {
        if (options.CurrentValue.Web.PublicBaseUrl is not { Length: > 0 } baseUrl) return null;
        var judge = new Dictionary<long, (string, string)>();
        foreach (var hit in stories.Select(s => s.Lead.Hits[0]))
            judge[hit.HitId] = ($"{baseUrl.TrimEnd('/')}/j/{await links.IssueAsync(hit.HitId, true, cancellationToken)}",
                $"{baseUrl.TrimEnd('/')}/j/{await links.IssueAsync(hit.HitId, false, cancellationToken)}");
        return new DigestLinks(baseUrl, judge);
    }

    /// <summary>Sends every digest that is due, one at a time; returns what became of each.</summary>
    public async Task<IReadOnlyList<DeliveryOutcome>> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        var outcomes = new List<DeliveryOutcome>();
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            // Long enough for the whole SMTP exchange; a worker that dies holding it frees it when it runs out.
            var lease = options.CurrentValue.Smtp.Timeout * 3 + TimeSpan.FromMinutes(1);
            // A lease whose worker is known to be dead (killed, say, and restarted as this one) is taken over now.
            var dead = await workers.DeadAsync(await digests.LeaseHoldersAsync(now, cancellationToken), now, Heartbeat.Silence, cancellationToken);
            var digest = await digests.LeaseNextAsync(now, now + lease, dead, cancellationToken);
            if (digest is null) break;
            outcomes.Add(await DeliverAsync(digest, cancellationToken));
        }
        await NoteBacklogAsync(outcomes, cancellationToken);
        return outcomes;
    }

    // When digests start to wait for the mail server, and when they stop: one log line each, not one per retry.
    DateTime? _backlogSince;

    async Task NoteBacklogAsync(List<DeliveryOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0) return;
        var retry = outcomes.FirstOrDefault(o => o.State == "pending");
        if (retry is not null && _backlogSince is null)
        {
            _backlogSince = clock.GetUtcNow().UtcDateTime;
            logger.LogWarning("Delivery backlog: digests wait for the mail server ({Waiting} waiting); they are retried with back-off. {Error}",
                await digests.WaitingCountAsync(cancellationToken), retry.Error);
        }
        else if (retry is null && _backlogSince is { } since && await digests.WaitingCountAsync(cancellationToken) == 0)
        {
            _backlogSince = null;
            logger.LogInformation("Delivery backlog over: every waiting digest was delivered, {Duration} after the first failed", clock.GetUtcNow().UtcDateTime - since);
        }
    }

    async Task<DeliveryOutcome> DeliverAsync(OutboxDigest digest, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var outcome = await AttemptAsync(digest, cancellationToken);
        metrics.Delivered(outcome.State == "pending" ? "retry" : outcome.State, clock.GetElapsedTime(started));
        return outcome;
    }

    async Task<DeliveryOutcome> AttemptAsync(OutboxDigest digest, CancellationToken cancellationToken)
    {
        string destination;
        try
        {
            using var stream = new MemoryStream(digest.Message);
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            destination = await delivery.DeliverAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var error = MailDelivery.Describe(e);
            if (MailDelivery.IsPermanent(e) || now - digest.CreatedAt >= GiveUpAfter)
            {
                var reason = MailDelivery.IsPermanent(e) ? error : $"gave up after {digest.Attempts} attempts: {error}";
                await digests.RecordAsync(digest.Id, digest.Attempts, "failed", now, reason, cancellationToken: CancellationToken.None);
                logger.LogError("Digest {Digest} #{Id} ({MessageId}) failed and will not be retried; the next digest will say so: {Error}",
                    digest.Name, digest.Id, digest.MessageId, reason);
                return new DeliveryOutcome(digest.Id, digest.Name, "failed", reason);
            }
            else
            {
                var next = now + RetryDelay(digest.Attempts);
                await digests.RecordAsync(digest.Id, digest.Attempts, "pending", now, error, next, CancellationToken.None);
                logger.LogWarning("Digest {Digest} #{Id} ({MessageId}) not sent (attempt {Attempt}), retrying at {Next:u}: {Error}",
                    digest.Name, digest.Id, digest.MessageId, digest.Attempts, next, error);
                return new DeliveryOutcome(digest.Id, digest.Name, "pending", $"{error} (retrying at {next:u})");
            }
        }
        // Sent: if the process dies before this is recorded, the lease runs out and the same message goes again.
        await digests.RecordAsync(digest.Id, digest.Attempts, "sent", clock.GetUtcNow().UtcDateTime, null, cancellationToken: CancellationToken.None);
        logger.LogInformation("Digest {Digest} #{Id} ({Stories} stories) sent to {Destination} as {MessageId}", digest.Name, digest.Id, digest.Stories, destination, digest.MessageId);
        return new DeliveryOutcome(digest.Id, digest.Name, "sent", null, destination);
    }

    /// <summary>1 minute after the first failure, doubling to at most an hour, with 20% jitter so that instances
    /// that failed together do not retry together.</summary>
    internal static TimeSpan RetryDelay(int attempts)
    {
        var delay = FirstRetry * Math.Pow(2, Math.Min(attempts - 1, 20));
        if (delay > LongestRetry) delay = LongestRetry;
        return delay * (0.8 + 0.4 * Random.Shared.NextDouble());
    }
}
