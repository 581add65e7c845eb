using System.Buffers.Binary;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;

namespace FeedWatcher.Web;

/// <summary>What a judgement link says: this hit, this verdict, until then; and the signature that proves FeedWatcher
/// issued it (also what marks it used).</summary>
public sealed record JudgementLink(long HitId, bool Relevant, DateTimeOffset Expires, string Signature);

/// <summary>The signed links of digests that record a judgement without a login: a token of the hit, the verdict and an
/// expiry, signed with HMAC-SHA256 under a key made at first use and kept in the database (<c>link_keys</c>), which
/// <c>feedwatcher web rotate-key</c> rotates. A link works only as issued: a changed token fails its signature, an
/// old one its expiry, and a used one finds its signature already recorded with a judgement.</summary>
public sealed class JudgementLinks(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>How long a link works.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(60);

    const int MacBytes = 16;
    // hit (8), verdict (1), expiry in Unix seconds (8), key (4)
    const int PayloadBytes = 21;

    /// <summary>A token for the hit and verdict, signed with the newest key (made now if there is none).</summary>
    public async Task<string> IssueAsync(long hitId, bool relevant, CancellationToken cancellationToken = default)
    {
        var keys = await KeysAsync(cancellationToken);
        if (keys.Count == 0)
        {
            await RotateAsync(revokeOthers: false, onlyIfNone: true, cancellationToken);
            keys = await KeysAsync(cancellationToken);
        }
        var keyId = keys.Keys.Max();
        var token = new byte[PayloadBytes + MacBytes];
        BinaryPrimitives.WriteInt64BigEndian(token, hitId);
        token[8] = relevant ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(token.AsSpan(9), clock.GetUtcNow().Add(Lifetime).ToUnixTimeSeconds());
        BinaryPrimitives.WriteInt32BigEndian(token.AsSpan(17), keyId);
        HMACSHA256.HashData(keys[keyId], token.AsSpan(0, PayloadBytes))[..MacBytes].CopyTo(token.AsSpan(PayloadBytes));
        return WebEncoders.Base64UrlEncode(token);
    }

    /// <summary>What a token says, or why it is refused: "forged" (not issued by FeedWatcher, or its key was revoked) or
    /// "expired".</summary>
    public async Task<(JudgementLink? Link, string? Refused)> ReadAsync(string token, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try { bytes = WebEncoders.Base64UrlDecode(token); }
        catch (FormatException) { return (null, "forged"); }
        if (bytes.Length != PayloadBytes + MacBytes) return (null, "forged");
        var keyId = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(17));
        var keys = await KeysAsync(cancellationToken);
        if (!keys.TryGetValue(keyId, out var key)) return (null, "forged");
        var mac = HMACSHA256.HashData(key, bytes.AsSpan(0, PayloadBytes))[..MacBytes];
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes.AsSpan(PayloadBytes))) return (null, "forged");
        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(9)));
        if (expires < clock.GetUtcNow()) return (null, "expired");
        return (new JudgementLink(BinaryPrimitives.ReadInt64BigEndian(bytes), bytes[8] == 1, expires, Convert.ToHexStringLower(mac)), null);
    }

    /// <summary>Adds a new key, which signs from now on; with <paramref name="revokeOthers"/> the others are removed, and
    /// the links they signed stop working.</summary>
    public async Task RotateAsync(bool revokeOthers, bool onlyIfNone = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("LOCK TABLE link_keys IN EXCLUSIVE MODE", transaction: transaction, cancellationToken: cancellationToken));
        if (!onlyIfNone || await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM link_keys", transaction: transaction, cancellationToken: cancellationToken)) == 0)
        {
            var id = await connection.ExecuteScalarAsync<int>(new CommandDefinition("INSERT INTO link_keys (secret) VALUES (@Secret) RETURNING id",
                new { Secret = RandomNumberGenerator.GetBytes(32) }, transaction, cancellationToken: cancellationToken));
            if (revokeOthers)
                await connection.ExecuteAsync(new CommandDefinition("DELETE FROM link_keys WHERE id <> @Id", new { Id = id }, transaction, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
    }

    // Read each time (links are opened and issued rarely), so that a rotation by any instance counts at once.
    async Task<Dictionary<int, byte[]>> KeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(int Id, byte[] Secret)>(new CommandDefinition("SELECT id, secret FROM link_keys", cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Id, r => r.Secret);
    }
}
