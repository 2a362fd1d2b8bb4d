using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Muster.Features.Notifications.Channels;

public enum SmtpTls
{
    /// <summary>Plain SMTP, as a relay on the same host or network expects.</summary>
    None,

    /// <summary>Connect in plain text, then upgrade with STARTTLS (port 587); fails if the server does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465), as QQ, 163 and Aliyun mail expect.</summary>
    Implicit,
}

/// <summary>The SMTP server. Bound from configuration <c>Muster:Smtp</c> (env <c>Muster__Smtp__Host</c>...) or stored as JSON.</summary>
public sealed record SmtpSettings : IChannelSettings
{
    public override string ToString() => Redacted.Describe(this);

    public const string Section = "Muster:Smtp";

    public string Host { get; init; } = "";
    public int Port { get; init; } = 25;

    /// <summary>The sender: "duty@example.com" or "Muster 值班 &lt;duty@example.com&gt;".</summary>
    public string From { get; init; } = "";

    public string? UserName { get; init; }
    public string? Password { get; init; }
    public SmtpTls Tls { get; init; } = SmtpTls.None;

    public static SmtpSettings FromConfiguration(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<SmtpSettings>() ?? new SmtpSettings();

    public IEnumerable<string> Problems()
    {
        foreach (var problem in Require.Text((Host, "host"), (From, "from")))
            yield return problem;
        if (Port is < 1 or > 65535)
            yield return "'port' must be between 1 and 65535";
        if (!string.IsNullOrWhiteSpace(From) && !MailboxAddress.TryParse(From, out _))
            yield return "'from' must be a mail address such as duty@example.com";
        if (!string.IsNullOrEmpty(UserName) && string.IsNullOrEmpty(Password))
            yield return "'password' is required when 'userName' is set";
    }
}

/// <summary>Email over SMTP with MailKit: text and HTML alternatives, the acknowledge link as a big button.</summary>
public sealed class EmailChannel(TimeProvider time)
{
    public async Task<DeliveryResult> SendAsync(SmtpSettings settings, Recipient recipient, OutgoingMessage message, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(recipient.Email) || !MailboxAddress.TryParse(recipient.Email, out var to))
            return DeliveryResult.Failed("email: the recipient has no valid mail address");
        var mail = Compose(settings, to, message);

        using var smtp = new SmtpClient { Timeout = (int)VendorHttp.DefaultTimeout.TotalMilliseconds };
        try
        {
            var security = settings.Tls switch
            {
                SmtpTls.StartTls => SecureSocketOptions.StartTls,
                SmtpTls.Implicit => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.None,
            };
            await smtp.ConnectAsync(settings.Host, settings.Port, security, ct);
            if (!string.IsNullOrEmpty(settings.UserName))
                await smtp.AuthenticateAsync(settings.UserName, settings.Password ?? "", ct);
            var answer = await smtp.SendAsync(mail, ct);
            await smtp.DisconnectAsync(quit: true, ct);
            return DeliveryResult.Sent(mail.MessageId, answer);
        }
        catch (AuthenticationException e)
        {
            return DeliveryResult.Failed($"email: authentication failed: {e.Message}");
        }
        catch (NotSupportedException e)
        {
            // STARTTLS asked of a server that does not offer it: sending in clear instead would break the setting's promise.
            return DeliveryResult.Failed($"email: {e.Message}");
        }
        catch (SmtpCommandException e)
        {
            // 4xx replies are the server's "later" (greylisting, over quota), 5xx its "never".
            var detail = $"email: {(int)e.StatusCode} {e.Message}";
            return (int)e.StatusCode is >= 400 and < 500 ? DeliveryResult.Retry(detail) : DeliveryResult.Failed(detail);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return DeliveryResult.Retry("email: no answer in time");
        }
        catch (Exception e) when (e is SocketException or IOException or SmtpProtocolException or ServiceNotConnectedException or TimeoutException)
        {
            return DeliveryResult.Retry($"email: {e.GetType().Name}: {e.Message}");
        }
    }

    internal MimeMessage Compose(SmtpSettings settings, MailboxAddress to, OutgoingMessage message)
    {
        var mail = new MimeMessage
        {
            Subject = ChannelText.Title(message),
            Date = time.GetUtcNow(),
            // The same id on every retry: a mailbox or a reader can tell a retry from a second page.
            MessageId = $"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(message.IdempotencyKey)))[..32]}@muster",
        };
        mail.From.Add(MailboxAddress.Parse(settings.From));
        mail.To.Add(to);
        mail.Headers.Add("X-Muster-Kind", message.Kind);
        if (message.Drill)
            mail.Headers.Add("X-Muster-Drill", "true");
        foreach (var (name, value) in message.MailHeaders ?? new Dictionary<string, string>())
            mail.Headers.Add(name, value);

        var text = new StringBuilder(message.Text.TrimEnd()).Append("\n\n");
        foreach (var (label, url) in ChannelText.Links(message))
            text.Append(label).Append(": ").Append(url).Append('\n');
        var body = new BodyBuilder { TextBody = text.ToString(), HtmlBody = Html(message) };
        mail.Body = body.ToMessageBody();
        return mail;
    }

    /// <summary>Plain, table-free HTML that mail clients on phones render; the acknowledge link is the big button.</summary>
    private static string Html(OutgoingMessage message)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"").Append(WebUtility.HtmlEncode(message.Language)).Append("\"><head><meta charset=\"utf-8\"></head>");
        html.Append("<body style=\"font-family:'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',system-ui,sans-serif;font-size:15px;color:#222\">");
        html.Append("<h2 style=\"margin:0 0 12px\">").Append(WebUtility.HtmlEncode(ChannelText.Title(message))).Append("</h2>");
        html.Append("<p style=\"white-space:pre-line;line-height:1.5\">").Append(WebUtility.HtmlEncode(message.Text.TrimEnd())).Append("</p>");
        if (!string.IsNullOrEmpty(message.AckUrl))
        {
            html.Append("<p style=\"margin:24px 0\"><a href=\"").Append(WebUtility.HtmlEncode(message.AckUrl))
                .Append("\" style=\"display:inline-block;padding:14px 28px;background:#c0392b;color:#fff;font-size:18px;font-weight:bold;text-decoration:none;border-radius:6px\">")
                .Append(WebUtility.HtmlEncode(ChannelText.Acknowledge(message))).Append("</a></p>");
        }
        var others = ChannelText.Links(message).Where(l => l.Url != message.AckUrl).ToList();
        if (others.Count > 0)
        {
            html.Append("<p>").AppendJoin(" · ", others.Select(l =>
                $"<a href=\"{WebUtility.HtmlEncode(l.Url)}\">{WebUtility.HtmlEncode(l.Label)}</a>")).Append("</p>");
        }
        return html.Append("</body></html>").ToString();
    }
}
