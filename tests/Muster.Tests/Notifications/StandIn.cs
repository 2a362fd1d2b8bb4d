using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Muster.Tests.Notifications;

/// <summary>A request as the stand-in saw it.</summary>
public sealed record Seen(string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
}

/// <summary>How the stand-in answers: a status, a body, optional headers, and a delay to play a slow vendor.</summary>
public sealed record Answer(int Status, string Body, string ContentType = "application/json", TimeSpan Delay = default, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static Answer Json(string body, int status = 200) => new(status, body);
}

/// <summary>A vendor's API played on Kestrel at 127.0.0.1 on a free port: each test says how the vendor answers.</summary>
public sealed class StandIn : IAsyncLifetime
{
    private WebApplication? app;

    public ConcurrentQueue<Seen> Requests { get; } = new();

    public Func<Seen, Answer> Vendor { get; set; } = _ => new Answer(500, "no vendor set");

    public string Url { get; private set; } = "";

    public Seen Last => Requests.Last();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var seen = new Seen(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body);
            Requests.Enqueue(seen);
            var answer = Vendor(seen);
            if (answer.Delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(answer.Delay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            context.Response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
                context.Response.Headers[name] = value;
            context.Response.ContentType = answer.ContentType;
            await context.Response.WriteAsync(answer.Body, context.RequestAborted);
        });
        await app.StartAsync();
        Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
            await app.DisposeAsync();
    }
}
