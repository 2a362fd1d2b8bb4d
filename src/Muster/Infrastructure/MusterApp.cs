using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Muster.Components;
using Muster.Data;
using Muster.Features.Account;
using Muster.Features.Analytics;
using Muster.Features.ApiKeys;
using Muster.Features.Audit;
using Muster.Features.Devices;
using Muster.Features.Incidents;
using Muster.Features.Intake;
using Muster.Features.Notifications;
using Muster.Features.Notifications.Channels;
using Muster.Features.OnCall;
using Muster.Features.Operations;
using Muster.Features.People;
using Muster.Features.Plans;
using Muster.Features.Reports;
using Muster.Features.Services;
using Muster.Features.Status;
using Muster.Features.Teams;

namespace Muster.Infrastructure;

/// <summary>The wiring of the one deployable: the web server and every CLI verb build it the same way.</summary>
public static class MusterApp
{
    public static readonly CultureInfo[] Cultures = [new("zh-CN"), new("en")];

    /// <summary>The largest body an intake endpoint reads: a batch of a few hundred alerts fits.</summary>
    public const long IntakeBodyLimit = 1 << 20;

    /// <summary>Where Muster listens when neither --urls, urls, ASPNETCORE_URLS, ports nor Kestrel endpoints say.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = CommonFlags.ToConfiguration(args),
            // appsettings.json and the UI's files sit beside the executable, wherever it is started from.
            ContentRootPath = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)) ? null : AppContext.BaseDirectory,
        });
        // The default is set here, not in appsettings.json: the file is read after ASPNETCORE_URLS
        // and would outrank it, so Muster would listen (and link) somewhere it was not told to.
        var listen = builder.Configuration;
        if (string.IsNullOrWhiteSpace(listen["urls"]) && string.IsNullOrWhiteSpace(listen["http_ports"]) && string.IsNullOrWhiteSpace(listen["https_ports"])
            && !listen.GetSection("Kestrel:Endpoints").Exists())
            builder.WebHost.UseUrls(DefaultUrls);
        builder.WebHost.UseStaticWebAssets();
        var services = builder.Services;
        // Hook URLs carry secrets: the per-request log lines that print the URL stay off, whatever the configuration says.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);

        services.AddOptions<MusterOptions>().BindConfiguration(MusterOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MusterOptions>, MusterOptionsValidator>();
        // The factory also registers MusterDb per request; components rendered side by side on one
        // page (a service's integrations and maintenance) each take a context of their own from it,
        // because a DbContext does not allow two operations at once.
        services.AddDbContextFactory<MusterDb>((sp, o) =>
        {
            var current = sp.GetRequiredService<IOptions<MusterOptions>>().Value;
            if (current.Database.Provider == DatabaseSetup.Sqlite)
                Directory.CreateDirectory(current.ResolvedDataDir);
            o.UseMuster(current.Database.Provider, current.ConnectionString);
            if (current.Database.Provider == DatabaseSetup.Sqlite)
                o.AddInterceptors(sp.GetRequiredService<SqliteGatedSaves>());
            o.AddInterceptors(sp.GetRequiredService<Features.Room.IncidentChangeCapture>());
        });

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<PublicUrl>();
        services.AddSingleton<PlanCatalog>();
        services.AddSingleton<WorkSignal>();
        services.AddHostedService<PrepareDatabase>();
        services.AddSingleton<WorkRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkRunner>());
        services.AddScoped<IncidentActions>();
        services.AddScoped<IncidentVersion>();
        services.AddScoped<Features.Room.RoomActions>();
        services.AddScoped<IWorkHandler, Features.Room.TaskOverdueWork>();
        services.AddSingleton<Features.Room.IncidentChanges>();
        services.AddSingleton<Features.Room.IncidentChangeCapture>();
        services.AddSingleton<Features.Room.IncidentChangeListener>();
        services.AddHostedService(sp => sp.GetRequiredService<Features.Room.IncidentChangeListener>());
        services.AddScoped<IWorkHandler, IncidentClockWork>();
        services.AddScoped<IWorkHandler, AlertExpiryWork>();
        services.AddScoped<IWorkHandler, HeartbeatWork>();
        services.AddScoped<IWorkHandler, ReportPurgeWork>();
        services.AddScoped<IBatchWorkHandler, Features.Notifications.EscalationWork>();
        services.AddScoped<IManyWorkHandler, Features.Notifications.DeliveryWork>();
        services.AddSingleton<Features.Notifications.SendLimits>();
        services.AddSingleton<WriteTransactions>();
        // What each kind of message says is its feature's; DeliveryWork sends them all the one way.
        services.AddScoped<Features.Notifications.IMessageKind, Features.Notifications.PageMessages>();
        services.AddScoped<Features.Notifications.IMessageKind, Features.Notifications.TestMessage>();
        services.AddScoped<Features.Notifications.IMessageKind, Features.Room.RoomMessages>();
        services.AddScoped<Features.Notifications.IMessageKind, Features.Reviews.ReviewReminder>();
        services.AddScoped<Features.Notifications.IMessageKind, Features.Drills.DrillReminder>();
        services.AddScoped<Features.Notifications.IMessageKind, StatusMessages>();
        services.AddScoped<Features.Notifications.IMessageKind, Features.Surveys.SurveyMessage>();
        services.AddScoped<Features.Reviews.ReviewActions>();
        services.AddScoped<Features.Drills.DrillActions>();
        services.AddScoped<IWorkHandler, Features.Reviews.ReviewWork>();
        services.AddScoped<IWorkHandler, Features.Surveys.SurveyWork>();
        services.AddScoped<IWorkHandler, Features.Surveys.SurveySendLegacyWork>();
        services.AddScoped<IWorkHandler, Features.Drills.DrillWork>();
        services.AddNotificationChannels();
        services.AddOptions<StatusOptions>().BindConfiguration("Muster:Status");
        services.AddSingleton<StatusCache>();
        services.AddScoped<StatusAdmin>();
        services.AddScoped<StatusSubscriptions>();
        services.AddScoped<IWorkHandler, StatusNotifyWork>();
        services.AddScoped<IWorkHandler, StatusDeliverLegacyWork>();
        services.AddSingleton<SqliteWriteGate>();
        services.AddSingleton<SqliteGatedSaves>();
        services.AddSingleton<Correlator>();
        services.AddHostedService(sp => sp.GetRequiredService<Correlator>());
        services.AddSingleton<IntakeJournal>();
        services.AddSingleton<IntakeIntegrations>();
        services.AddSingleton<IntakeWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<IntakeWriter>());

        services.AddMusterAuth();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Extensions.TryAdd("traceId", c.HttpContext.TraceIdentifier));
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Malformed bodies reach ProblemExceptionHandler, which names the field, in every environment.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
        });
        services.AddOpenApi();
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture("zh-CN");
            o.SupportedCultures = o.SupportedUICultures = Cultures;
            o.FallBackToParentUICultures = true;
            o.RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider(),
                new CookieRequestCultureProvider(),
                new CustomRequestCultureProvider(c => Task.FromResult(c.User.FindFirst("lang")?.Value is { } lang ? new ProviderCultureResult(lang) : null)),
                new AcceptLanguageHeaderRequestCultureProvider(),
            ];
        });
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<MusterOptions>>((o, muster) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            foreach (var proxy in muster.Value.KnownProxies)
                o.KnownProxies.Add(IPAddress.Parse(proxy));
        });
        services.AddDataProtection().SetApplicationName("muster");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceScopeFactory>((o, scopes) => o.XmlRepository = new DbKeyRepository(scopes));
        // Chinese text as itself, not as &#x...; entities: a zh-CN page is several times smaller on a slow phone.
        services.AddWebEncoders(o => o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddRazorComponents();
        services.AddCascadingAuthenticationState();
        services.AddHttpContextAccessor();

        var app = builder.Build();
        // After start, when Kestrel knows its ports: the log then names the address links will carry.
        app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<PublicUrl>().Announce());
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Muster.Startup").LogInformation(
                "Started {Milliseconds:F0} ms after the process began, with {CpuMilliseconds:F0} ms of CPU; {ResidentMiB:F0} MiB resident.",
                (DateTime.Now - process.StartTime).TotalMilliseconds, process.TotalProcessorTime.TotalMilliseconds, process.WorkingSet64 / 1048576.0);
        });
        app.UseForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // A person who follows a dead link gets a page; programs keep the problem details above,
        // because the page's re-execution is switched off for them before it can act.
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use((context, next) =>
        {
            var program = context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hooks")
                || context.Request.Path.StartsWithSegments("/v2") || !HttpMethods.IsGet(context.Request.Method);
            if (program && context.Features.Get<IStatusCodePagesFeature>() is { } pages)
                pages.Enabled = false;
            return next(context);
        });
        app.Use(async (context, next) =>
        {
            await next(context);
            MusterMetrics.HttpRequest(context.Response.StatusCode);
        });
        app.UseRequestLocalization();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapOpenApi().AllowAnonymous();
        app.MapOperations();
        app.MapAccount();
        app.MapIncidents();
        Features.Room.RoomEndpoints.MapRoom(app);
        app.MapServices();
        app.MapTeams();
        app.MapPeople();
        app.MapPlans();
        app.MapApiKeys();
        app.MapAudit();
        app.MapIntegrations();
        app.MapAlerts();
        app.MapMaintenance();
        app.MapNotifications();
        app.MapSmsReplies();
        app.MapSlackInteractions();
        app.MapOnCall();
        Features.Reviews.ReviewEndpoints.MapReviews(app);
        Features.Surveys.SurveyEndpoints.MapSurveys(app);
        Features.Drills.DrillEndpoints.MapDrills(app);
        // Kestrel enforces the limit on a body of unknown length; a declared length is refused before reading.
        var intake = app.MapGroup("").WithMetadata(new RequestSizeLimitAttribute(IntakeBodyLimit))
            .AddEndpointFilter((context, next) => context.HttpContext.Request.ContentLength > IntakeBodyLimit
                ? ValueTask.FromResult<object?>(TypedResults.Problem(title: "The body is too large.",
                    detail: $"An intake request may carry at most {IntakeBodyLimit / 1024} KiB; send fewer alerts per request.", statusCode: StatusCodes.Status413PayloadTooLarge))
                : next(context));
        intake.MapEventsApi();
        intake.MapAlertmanagerHook();
        intake.MapPrometheusApi();
        intake.MapHeartbeatHook();
        intake.MapZabbixHook();
        app.MapDevices();
        app.MapReports();
        app.MapStatus();
        app.MapStatusPages();
        app.MapAnalytics();
        app.MapStaticAssets();
        app.MapRazorComponents<App>();
        return app;
    }

    private sealed class MusterOptionsValidator : IValidateOptions<MusterOptions>
    {
        public ValidateOptionsResult Validate(string? name, MusterOptions options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

/// <summary>Flags every verb shares, turned into configuration keys.</summary>
public static class CommonFlags
{
    private static readonly Dictionary<string, string> Map = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--data-dir"] = "--Muster:DataDir",
        ["--database"] = "--Muster:Database:Provider",
        ["--connection"] = "--Muster:Database:ConnectionString",
        ["--public-url"] = "--Muster:PublicUrl",
    };

    public static string[] ToConfiguration(string[] args)
    {
        var result = new List<string>(args.Length);
        foreach (var arg in args)
        {
            var (name, value) = arg.Split('=', 2) is [var n, var v] ? (n, "=" + v) : (arg, "");
            result.Add(Map.TryGetValue(name, out var key) ? key + value : arg);
        }
        return [.. result];
    }
}
