using System.CommandLine;
using System.Text;

namespace FeedWatcher.Cli;

/// <summary><c>feedwatcher web hash-password</c>: the hash of a password for the story pages
/// (FeedWatcher:Web:PasswordHash), read from standard input without echo.</summary>
public static class WebCommands
{
    public static Command Build()
    {
        var hash = new Command("hash-password", "Read a password (typed without echo, or from standard input) and print its hash for FeedWatcher:Web:PasswordHash.");
        hash.SetAction(_ =>
        {
            var password = ReadPassword();
            if (string.IsNullOrEmpty(password))
            {
                Console.Error.WriteLine("feedwatcher: no password given");
                return 2;
            }
            Console.WriteLine(Web.Passwords.Hash(password));
            return 0;
        });
        var revoke = new Option<bool>("--revoke") { Description = "Remove the older keys too: the judgement links they signed stop working." };
        var rotate = new Command("rotate-key", "Make a new key to sign digests' judgement links; links signed before keep working unless --revoke.") { revoke };
        rotate.SetAction(r => AppHost.WithHostAsync(CommandLine.Settings(r), async host =>
        {
            await host.Services.GetRequiredService<Storage.Migrator>().MigrateAsync();
            await host.Services.GetRequiredService<Web.JudgementLinks>().RotateAsync(r.GetValue(revoke));
            Console.WriteLine(r.GetValue(revoke)
                ? "A new key signs judgement links from now on; the older keys are removed, and the links they signed no longer work."
                : $"A new key signs judgement links from now on; links signed before keep working until they expire ({Web.JudgementLinks.Lifetime.TotalDays:0} days).");
            return 0;
        }, dataCommand: true));
        return new Command("web", "The story pages (FeedWatcher:Web).") { hash, rotate };
    }

    static string? ReadPassword()
    {
        if (Console.IsInputRedirected || Console.In is StringReader) return Console.In.ReadLine();
        Console.Error.Write("Password: ");
        var password = new StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace) { if (password.Length > 0) password.Length--; }
            else if (!char.IsControl(key.KeyChar)) password.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return password.ToString();
    }
}
