using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FeedWatcher.Tests.Infrastructure;

/// <summary>An SMTP server on 127.0.0.1 that accepts the envelope and the start of a message, then drops the
/// connection in the middle of it: the connection lost while sending.</summary>
public sealed class DroppingSmtpServer : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource _stop = new();
    readonly Task _running;
    int _dropped;

    public DroppingSmtpServer()
    {
        _listener.Start();
        _running = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many messages were cut off.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            using (client)
            {
                try { await ServeAsync(client.GetStream()); }
                catch (IOException) { }
            }
        }
    }

    async Task ServeAsync(NetworkStream stream)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        async Task Say(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), _stop.Token);
        await Say("220 localhost ESMTP");
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            var verb = line.Split(' ')[0].ToUpperInvariant();
            if (verb is "EHLO" or "HELO") await Say("250 localhost");
            else if (verb is "MAIL" or "RCPT" or "RSET" or "NOOP") await Say("250 OK");
            else if (verb == "DATA")
            {
                await Say("354 Start mail input");
                await reader.ReadLineAsync(_stop.Token); // the first line of the message, then gone
                Interlocked.Increment(ref _dropped);
                return;
            }
            else if (verb == "QUIT") { await Say("221 Bye"); return; }
            else await Say("502 Command not implemented");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _running; }
        catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
