using FeedWatcher.Configuration;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace FeedWatcher.Digests;

/// <summary>Delivers a message through the configured SMTP server, or, with no SMTP host, writes it as an
/// .eml file to the pickup folder under the state directory.</summary>
public sealed class MailDelivery(IOptionsMonitor<FeedWatcherOptions> options, ILogger<MailDelivery> logger)
{
    /// <summary>Returns where the message went: the SMTP server and the recipients, or the path of the .eml file.</summary>
    /// <exception cref="Exception">Whatever MailKit or the file system threw: the message was not delivered.</exception>
    public async Task<string> DeliverAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        var smtp = current.Smtp;
        if (string.IsNullOrWhiteSpace(smtp.Host))
            return await WriteToPickupAsync(message, Path.Combine(current.ResolveStateDirectory(), "pickup"), cancellationToken);

        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        var security = smtp.Security switch
        {
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.None,
        };
        await client.ConnectAsync(smtp.Host, smtp.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.UserName))
            await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", cancellationToken);
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        return $"{string.Join(", ", message.To.Mailboxes.Select(m => m.Address))} through smtp://{smtp.Host}:{smtp.Port}";
    }

    /// <summary>Whether sending again cannot help: the server refused for good (5xx), or the configuration is
    /// wrong (authentication, TLS). Timeouts, 4xx answers, refused or lost connections are worth retrying.</summary>
    public static bool IsPermanent(Exception e) => e switch
    {
        SmtpCommandException command => (int)command.StatusCode >= 500,
        AuthenticationException or SslHandshakeException => true,
        NotSupportedException => true, // e.g. STARTTLS asked for and not offered: never a silent fall-back to plain text
        _ => false,
    };

    /// <summary>The failure in one line, with the SMTP status code when there is one.</summary>
    public static string Describe(Exception e) => e switch
    {
        SmtpCommandException command => $"SMTP {(int)command.StatusCode} {command.Message.Trim()}",
        SmtpProtocolException => $"connection lost: {e.Message}",
        OperationCanceledException or TimeoutException => $"timed out: {e.Message}",
        _ => e.Message,
    };

    async Task<string> WriteToPickupAsync(MimeMessage message, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        // The digest's name and the start of its hash, from the Message-ID (name-slug.hash@feedwatcher).
        var id = System.Text.RegularExpressions.Regex.Replace((message.MessageId ?? "").Split('@')[0], "[^A-Za-z0-9.-]", "");
        var dot = id.LastIndexOf('.');
        var label = dot < 0 ? id[..Math.Min(8, id.Length)] : id[..dot] + "-" + id[(dot + 1)..][..Math.Min(8, id.Length - dot - 1)];
        var name = FormattableString.Invariant($"digest-{message.Date.UtcDateTime:yyyyMMdd-HHmmss}-{label}.eml");
        var path = Path.Combine(folder, name);
        var temporary = path + ".tmp";
        await message.WriteToAsync(temporary, cancellationToken);
        File.Move(temporary, path, overwrite: true); // readers never see half a message
        logger.LogInformation("No SMTP host configured: digest written to {Path}", path);
        return path;
    }
}
