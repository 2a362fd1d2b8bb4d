using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using Muster.Features.Notifications.Channels;

namespace Muster.Tests.Notifications;

/// <summary>
/// A real SMTP server: Debian's aiosmtpd, with a handler that writes each message to a folder. If it cannot start the
/// tests fail (test.sh installs python3-aiosmtpd).
/// </summary>
public sealed class SmtpServer : IAsyncLifetime
{
    private const string Handler = """
        import os, sys, uuid
        from aiosmtpd.controller import Controller

        class Store:
            async def handle_DATA(self, server, session, envelope):
                name = os.path.join(sys.argv[2], uuid.uuid4().hex)
                with open(name + ".tmp", "wb") as f:
                    f.write(("X-Envelope-To: " + ",".join(envelope.rcpt_tos) + "\r\n").encode())
                    f.write(envelope.original_content)
                os.rename(name + ".tmp", name + ".eml")
                return "250 Message accepted"

        controller = Controller(Store(), hostname="127.0.0.1", port=int(sys.argv[1]))
        controller.start()
        print("ready", flush=True)
        sys.stdin.read()
        controller.stop()
        """;

    private Process? process;

    public int Port { get; private set; }

    public string Folder { get; } = Directory.CreateTempSubdirectory("muster-smtp-").FullName;

    public async Task InitializeAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        // Debian's interpreter: a python3 earlier on PATH (pyenv, a venv) would not see Debian's aiosmtpd.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var script = Path.Combine(Folder, "..", $"muster-smtp-{Port}.py");
        await File.WriteAllTextAsync(script, Handler);
        process = Process.Start(new ProcessStartInfo(python, [script, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Folder])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("could not start python3");
        var ready = process.StandardOutput.ReadLineAsync();
        if (await Task.WhenAny(ready, Task.Delay(TimeSpan.FromSeconds(15))) != ready || await ready != "ready")
        {
            var error = process.HasExited ? await process.StandardError.ReadToEndAsync() : "no 'ready' within 15 s";
            throw new InvalidOperationException($"the aiosmtpd test server did not start (apt-get install -y python3-aiosmtpd): {error}");
        }
    }

    /// <summary>The first stored message that matches, waiting up to <paramref name="within"/> (5 s unless told) for it.</summary>
    public async Task<MimeMessage> SingleMessageAsync(Func<MimeMessage, bool> match, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            foreach (var file in Directory.GetFiles(Folder, "*.eml"))
            {
                var message = await MimeMessage.LoadAsync(file);
                if (match(message))
                    return message;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the SMTP server stored no such message");
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(3000))
                process.Kill();
        }
        process?.Dispose();
        await Task.CompletedTask;
    }
}

public sealed class EmailTests(SmtpServer smtp) : IClassFixture<SmtpServer>
{
    private SmtpSettings Settings => new() { Host = "127.0.0.1", Port = smtp.Port, From = "Muster 值班 <duty@muster.example>", Tls = SmtpTls.None };

    [Fact]
    public async Task Email_arrives_with_subject_text_html_and_the_ack_button()
    {
        var message = Messages.Page(drill: true) with { IdempotencyKey = "mail-1" };
        var result = await new EmailChannel(Messages.Time()).SendAsync(Settings, new Recipient(Email: "oncall@example.com"), message, default);

        Assert.Equal(DeliveryStatus.Sent, result.Status);
        var mail = await smtp.SingleMessageAsync(m => m.MessageId == result.ProviderId);
        Assert.Equal("【演练】[P1] 支付网关 down", mail.Subject);
        Assert.Equal("oncall@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Equal("oncall@example.com", mail.Headers["X-Envelope-To"]);
        Assert.Equal("duty@muster.example", mail.From.Mailboxes.Single().Address);
        Assert.Contains("影响：30% 用户", mail.TextBody);
        Assert.Contains("确认: https://muster.example/ack/abc", mail.TextBody);
        var html = mail.HtmlBody ?? "";
        Assert.Contains("<a href=\"https://muster.example/ack/abc\"", html);
        Assert.Contains(">确认</a>", html);
        Assert.Contains("支付网关不可用", html);
    }

    [Fact]
    public async Task A_retry_carries_the_same_message_id()
    {
        var message = Messages.Page(language: "en") with { IdempotencyKey = "mail-retry" };
        var first = await new EmailChannel(Messages.Time()).SendAsync(Settings, new Recipient(Email: "a@example.com"), message, default);
        var second = await new EmailChannel(Messages.Time()).SendAsync(Settings, new Recipient(Email: "a@example.com"), message, default);
        Assert.Equal(DeliveryStatus.Sent, second.Status);
        Assert.Equal(first.ProviderId, second.ProviderId);
        var mail = await smtp.SingleMessageAsync(m => m.MessageId == first.ProviderId);
        Assert.Contains("Acknowledge: https://muster.example/ack/abc", mail.TextBody);
    }

    [Fact]
    public async Task Starttls_against_a_server_without_it_is_failed_or_retried_not_sent_in_clear()
    {
        var result = await new EmailChannel(Messages.Time()).SendAsync(Settings with { Tls = SmtpTls.StartTls }, new Recipient(Email: "a@example.com"), Messages.Page(), default);
        Assert.NotEqual(DeliveryStatus.Sent, result.Status);
    }

    [Fact]
    public async Task No_server_listening_is_a_retry()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var result = await new EmailChannel(Messages.Time()).SendAsync(Settings with { Port = port }, new Recipient(Email: "a@example.com"), Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Retry, result.Status);
    }

    [Fact]
    public async Task A_recipient_without_an_address_fails()
    {
        var result = await new EmailChannel(Messages.Time()).SendAsync(Settings, new Recipient(Phone: "13800000001"), Messages.Page(), default);
        Assert.Equal(DeliveryStatus.Failed, result.Status);
    }
}
