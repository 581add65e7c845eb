using System.Net;
using System.Security.Cryptography;

namespace FeedWatcher.Web;

/// <summary>The pages' password, kept as a PBKDF2 hash (<c>pbkdf2-sha256$iterations$salt$hash</c>, base64), and
/// whether an address is loopback, where no password is asked.</summary>
public static class Passwords
{
    const string Scheme = "pbkdf2-sha256";
    const int Iterations = 210_000, SaltBytes = 16, HashBytes = 32;

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Scheme}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool IsHash(string text) => Parse(text) is not null;

    public static bool Verify(string password, string stored)
    {
        if (Parse(stored) is not var (iterations, salt, hash)) return false;
        var given = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, hash.Length);
        return CryptographicOperations.FixedTimeEquals(given, hash);
    }

    static (int Iterations, byte[] Salt, byte[] Hash)? Parse(string text)
    {
        var parts = text.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
            return null;
        try { return (iterations, Convert.FromBase64String(parts[2]), Convert.FromBase64String(parts[3])); }
        catch (FormatException) { return null; }
    }

    /// <summary>Whether an address to listen on (http://127.0.0.1:8080) is reachable from this machine only.</summary>
    public static bool IsLoopback(string listen) =>
        Uri.TryCreate(listen, UriKind.Absolute, out var uri)
        && (uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address)));
}
