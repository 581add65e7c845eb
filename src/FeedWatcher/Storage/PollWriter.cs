using System.Threading.Channels;

namespace FeedWatcher.Storage;

/// <summary>Stores the polls of feeds refreshed at the same time several to a statement. A poll that arrives while
/// a statement runs waits for it, and the polls that gathered meanwhile go together in the next one (at most
/// <see cref="MaxBatch"/>): PostgreSQL's cost per statement, its commit included, is paid once for all of them,
/// and a lone poll is stored at once. When a statement fails, its polls are stored again one by one, so that one
/// feed's bad data fails that feed alone.</summary>
public sealed class PollWriter(ItemStore items) : IDisposable
{
    public const int MaxBatch = 16;

    sealed record Pending(PollToSave Poll, TaskCompletionSource<(IReadOnlyList<string> NewKeys, int Hits)> Stored);

    readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    readonly Lock _gate = new();
    Task? _writer;

    /// <summary>Stores <paramref name="poll"/> with the others waiting; returns the keys of its new items and how
    /// many of its hits were new. Cancelling stops the wait, not the write.</summary>
    public Task<(IReadOnlyList<string> NewKeys, int Hits)> SaveAsync(PollToSave poll, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(poll, new(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
            _writer ??= Task.Run(WriteAsync, CancellationToken.None);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);
        return pending.Stored.Task.WaitAsync(cancellationToken);
    }

    async Task WriteAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
                batch.Add(pending);
            await StoreAsync(batch);
            batch.Clear();
        }
    }

    async Task StoreAsync(List<Pending> batch)
    {
        try
        {
            var results = await items.SavePollsAsync([.. batch.Select(p => p.Poll)]);
            for (var i = 0; i < batch.Count; i++)
                batch[i].Stored.TrySetResult(results[i]);
            return;
        }
        catch (Exception e) when (batch.Count == 1)
        {
            batch[0].Stored.TrySetException(e);
            return;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Stored one by one below.
        }
        foreach (var pending in batch)
        {
            try
            {
                pending.Stored.TrySetResult((await items.SavePollsAsync([pending.Poll]))[0]);
            }
            catch (Exception e)
            {
                pending.Stored.TrySetException(e);
            }
        }
    }

    /// <summary>Takes no more polls; the ones waiting are still stored.</summary>
    public void Dispose() => _queue.Writer.TryComplete();
}
