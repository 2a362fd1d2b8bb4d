namespace Muster.Features.Notifications.Channels;

/// <summary>Phone numbers as each vendor wants them. A number without a country code is taken as mainland China.</summary>
internal static class Phones
{
    public static string E164(string phone)
    {
        var trimmed = phone.Trim().Replace(" ", "").Replace("-", "");
        if (trimmed.StartsWith('+'))
            return trimmed;
        return trimmed.StartsWith("0086", StringComparison.Ordinal) ? "+" + trimmed[2..] : "+86" + trimmed;
    }

    /// <summary>Aliyun's domestic APIs take the 11 digits; other countries keep their code without the plus.</summary>
    public static string Aliyun(string phone)
    {
        var e164 = E164(phone);
        return e164.StartsWith("+86", StringComparison.Ordinal) ? e164[3..] : e164[1..];
    }
}
