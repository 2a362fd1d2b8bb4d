using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Muster.Data;

namespace Muster.Features.Notifications;

/// <summary>
/// Signed, expiring links in messages: the token names the message it was sent in and the action
/// (acknowledge or resolve), and is the only credential the button needs. The key lives in the
/// database, so every process signs and checks with the same one.
/// </summary>
public static class ActionLinks
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);
    private const string KeySetting = "action-link-key";

    public sealed record Claim(string NotificationId, string Action, DateTime ExpiresAt);

    public static async Task<byte[]> KeyAsync(MusterDb db, CancellationToken ct = default)
    {
        var stored = await db.Settings.Where(s => s.Key == KeySetting).Select(s => s.Value).FirstOrDefaultAsync(ct);
        if (stored is not null)
            return Convert.FromBase64String(stored);
        // Several messages may be the first at once: the first insert wins and all read it back. A
        // statement of its own, so that the caller's tracked changes are neither saved nor cleared.
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await db.Database.ExecuteSqlAsync($"INSERT INTO \"Settings\" (\"Key\", \"Value\") VALUES ({KeySetting}, {key}) ON CONFLICT (\"Key\") DO NOTHING", ct);
        return Convert.FromBase64String(await db.Settings.Where(s => s.Key == KeySetting).Select(s => s.Value).FirstAsync(ct));
    }

    /// <summary>notificationId.action.expiry.signature: short enough for an SMS.</summary>
    public static string Create(byte[] key, string notificationId, string action, DateTime expiresAt)
    {
        var body = $"{notificationId}.{action}.{new DateTimeOffset(expiresAt).ToUnixTimeSeconds()}";
        return $"{body}.{Sign(key, body)}";
    }

    /// <summary>The token at the end of an action link (…/a/{token}); null for any other URL.</summary>
    public static string? TokenOf(string url)
    {
        var at = url.LastIndexOf("/a/", StringComparison.Ordinal);
        return at < 0 || at + 3 >= url.Length ? null : url[(at + 3)..];
    }

    /// <summary>The claim when the token is genuine and unexpired; null otherwise.</summary>
    public static Claim? Read(byte[] key, string token, DateTime now)
    {
        var parts = token.Split('.');
        if (parts.Length != 4 || parts[1] is not ("ack" or "resolve") || !long.TryParse(parts[2], out var seconds))
            return null;
        var body = string.Join('.', parts[..3]);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(key, body)), Encoding.ASCII.GetBytes(parts[3])))
            return null;
        var expires = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
        return expires < now ? null : new Claim(parts[0], parts[1], expires);
    }

    /// <summary>A short HMAC of <paramref name="body"/> under the link key, URL-safe.</summary>
    public static string Sign(byte[] key, string body) =>
        Base64Url(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(body))[..12]);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
