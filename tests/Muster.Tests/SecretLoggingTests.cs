using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>Hook URLs carry secrets; with every log category at Trace, none of them reaches a log line.</summary>
public sealed class SecretLoggingTests
{
    [Fact]
    public async Task Secrets_in_hook_urls_never_reach_the_logs()
    {
        var lines = new ConcurrentQueue<string>();
        using var app = new MusterFactory
        {
            Configure = builder =>
            {
                builder.UseSetting("Logging:LogLevel:Default", "Trace");
                builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics", "Trace");
                builder.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(new Capture(lines)));
            },
        };
        var serviceId = await app.ServiceAsync("logged");
        var manager = app.Client(Role.Manager);
        var secret = (await (await manager.PostJsonAsync($"/api/v1/services/{serviceId}/integrations", new { type = "alertmanager", name = "am" })).JsonAsync())
            .GetProperty("secret").GetString()!;
        var client = app.Client(null);

        await client.PostAsync($"/hooks/alertmanager/{secret}", new StringContent("""{"alerts": []}""", Encoding.UTF8, "application/json"));
        await client.PostAsync($"/hooks/alertmanager/{secret}", new StringContent("not json", Encoding.UTF8, "application/json"));
        var big = await client.PostAsync($"/hooks/alertmanager/{secret}", new StringContent(new string(' ', 2 << 20), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
    }

    private sealed class Capture(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
