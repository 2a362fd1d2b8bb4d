using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Muster.Data;
using Muster.Domain.People;
using Muster.Features.ApiKeys;
using Muster.Features.Services;
using Muster.Infrastructure;

namespace Muster.Tests.Support;

/// <summary>The whole app in memory over a real database, with a fake clock and one API key per role.</summary>
public sealed class MusterFactory : WebApplicationFactory<Program>
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) } };

    public TestDatabase Database { get; }
    public FakeTime Time { get; } = new(new DateTimeOffset(2026, 3, 10, 2, 0, 0, TimeSpan.Zero));
    private readonly Dictionary<Role, string> keys = [];
    private readonly bool ownsDatabase;

    public MusterFactory() : this(new TestDatabase(), ownsDatabase: true)
    {
    }

    /// <summary>A second app on the same database, as after a restart.</summary>
    public static MusterFactory On(TestDatabase database) => new(database, ownsDatabase: false);

    private MusterFactory(TestDatabase database, bool ownsDatabase)
    {
        Database = database;
        this.ownsDatabase = ownsDatabase;
    }

    /// <summary>More configuration for one test's app, applied after the defaults.</summary>
    public Action<IWebHostBuilder>? Configure { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Muster:DataDir", Database.DataDir);
        builder.UseSetting("Muster:Database:Provider", Database.Provider);
        builder.UseSetting("Muster:Database:ConnectionString", Database.ConnectionString);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
            // The work runner's loop would race the test; tests run due work themselves, at fake times.
            services.RemoveAll<IHostedService>();
            services.AddHostedService<PrepareDatabase>();
            services.AddHostedService(sp => sp.GetRequiredService<Features.Intake.IntakeWriter>());
        });
        Configure?.Invoke(builder);
    }

    public T Scoped<T>(Func<IServiceProvider, T> use)
    {
        using var scope = Services.CreateScope();
        return use(scope.ServiceProvider);
    }

    public async Task<T> WithDb<T>(Func<MusterDb, Task<T>> use)
    {
        await using var scope = Services.CreateAsyncScope();
        return await use(scope.ServiceProvider.GetRequiredService<MusterDb>());
    }

    /// <summary>A client that sends an API key of <paramref name="role"/>, or none.</summary>
    public HttpClient Client(Role? role, string? acceptLanguage = "en")
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (acceptLanguage is not null)
            client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(acceptLanguage);
        if (role is { } r)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key(r));
        return client;
    }

    public string Key(Role role)
    {
        lock (keys)
        {
            if (!keys.TryGetValue(role, out var key))
            {
                key = WithDb(db => ApiKeyEndpoints.CreateAsync(db, new ApiKeyRequest($"test {role}", role.Name()), null, Time.UtcNow)).GetAwaiter().GetResult().Key;
                keys[role] = key;
            }
            return key;
        }
    }

    public Task<string> ServiceAsync(string name, string? planKey = null) => WithDb(async db =>
    {
        var planId = planKey is null ? null : db.Plans.First(p => p.Key == planKey).Id;
        var service = await ServiceEndpoints.SaveAsync(db, null, new ServiceRequest(name, PlanId: planId), null, Time.UtcNow);
        return service.Id;
    });

    public Task<int> RunDueWorkAsync() => Services.GetRequiredService<WorkRunner>().RunDueAsync();

    public Task<int> CorrelateAsync() => Services.GetRequiredService<Features.Intake.Correlator>().CorrelateAsync();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && ownsDatabase)
            Database.Dispose();
    }
}

public static class HttpExtensions
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(MusterFactory.Json);

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, MusterFactory.Json);

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, object body) =>
        client.PutAsJsonAsync(url, body, MusterFactory.Json);
}
