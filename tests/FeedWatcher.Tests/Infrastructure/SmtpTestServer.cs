using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>A real SMTP server (the SmtpServer package) on 127.0.0.1 that keeps every message it receives.</summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly Task _running;
    readonly Store _store = new();

    public int Port { get; }

    SmtpTestServer(int port)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_store);
        _running = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    public static async Task<SmtpTestServer> StartAsync(int? port = null)
    {
        var server = new SmtpTestServer(port ?? FreePort());
        // Wait until it accepts connections, so a test never races the listener.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, server.Port);
                return server;
            }
            catch (SocketException) when (attempt < 100)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>Answers the next message with <paramref name="code"/> (451, 554, ...) instead of accepting it;
    /// answers queue up, one per message.</summary>
    public void AnswerNext(int code, string text) => _store.Answers.Enqueue(new SmtpResponse((SmtpReplyCode)code, text));

    /// <summary>How many messages were offered, accepted or not.</summary>
    public int Offered => _store.Offered;

    /// <summary>Messages received so far.</summary>
    public IReadOnlyList<MimeMessage> Received => _store.Messages.ToList();

    /// <summary>Waits for the next message, failing after <paramref name="timeout"/>.</summary>
    public async Task<MimeMessage> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        return await _store.Arrivals.Reader.ReadAsync(cancel.Token);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _running; }
        catch (OperationCanceledException) { }
        _stop.Dispose();
    }

    sealed class Store : MessageStore
    {
        public List<MimeMessage> Messages { get; } = [];
        public Channel<MimeMessage> Arrivals { get; } = Channel.CreateUnbounded<MimeMessage>();
        public System.Collections.Concurrent.ConcurrentQueue<SmtpResponse> Answers { get; } = new();
        int _offered;
        public int Offered => Volatile.Read(ref _offered);

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _offered);
            if (Answers.TryDequeue(out var answer))
                return answer;
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            lock (Messages) Messages.Add(message);
            await Arrivals.Writer.WriteAsync(message, cancellationToken);
            return SmtpResponse.Ok;
        }
    }
}
