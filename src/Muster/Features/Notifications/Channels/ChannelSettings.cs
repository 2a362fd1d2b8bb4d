namespace Muster.Features.Notifications.Channels;

/// <summary>A channel's stored settings: each says what is wrong with it, naming the JSON field.</summary>
public interface IChannelSettings
{
    IEnumerable<string> Problems();
}

internal static class Require
{
    public static IEnumerable<string> Text(params (string? Value, string Field)[] fields) =>
        fields.Where(f => string.IsNullOrWhiteSpace(f.Value)).Select(f => $"'{f.Field}' is required");

    public static IEnumerable<string> AbsoluteUrl(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            yield return $"'{field}' is required";
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            yield return $"'{field}' must be an absolute http(s) URL";
    }

    /// <summary>The base of a vendor URL without a trailing slash, so paths can be appended.</summary>
    public static string Base(string baseUrl) => baseUrl.TrimEnd('/');
}
