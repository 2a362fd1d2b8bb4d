using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.People;

namespace Muster.Infrastructure;

/// <summary>The policies every endpoint states; each role includes the ones below it.</summary>
public static class Policies
{
    public const string Viewer = "viewer";
    public const string Responder = "responder";
    public const string Manager = "manager";
    public const string Admin = "admin";

    public static void Add(Microsoft.AspNetCore.Authorization.AuthorizationOptions options)
    {
        options.AddPolicy(Viewer, p => p.RequireRole(Roles.AtLeast(Role.Viewer)));
        options.AddPolicy(Responder, p => p.RequireRole(Roles.AtLeast(Role.Responder)));
        options.AddPolicy(Manager, p => p.RequireRole(Roles.AtLeast(Role.Manager)));
        options.AddPolicy(Admin, p => p.RequireRole(Roles.AtLeast(Role.Admin)));
    }
}

public static class AuthSetup
{
    public const string Scheme = "Muster";

    public static void AddMusterAuth(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Cookie or API key", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiKeyHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/denied";
                o.Cookie.Name = "muster.auth";
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.HttpOnly = true;
                o.ExpireTimeSpan = TimeSpan.FromDays(7);
                o.SlidingExpiration = true;
                // Programs get a status and a problem detail, never a redirect to a sign-in page.
                o.Events.OnRedirectToLogin = c => IsApi(c.Request) ? WriteProblem(c.Response, 401) : Redirect(c);
                o.Events.OnRedirectToAccessDenied = c => IsApi(c.Request) ? WriteProblem(c.Response, 403) : Redirect(c);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyHandler.SchemeName, null);
        services.AddAuthorization(Policies.Add);
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    public static async Task WriteProblem(HttpResponse response, int status)
    {
        response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Title = status == 401 ? "Sign-in or an API key is needed." : "Your role does not allow this.",
            Detail = status == 401
                ? "Send 'Authorization: Bearer <key>' with a key from 'muster apikey create', or sign in."
                : "Ask an administrator for a role that allows this action.",
        };
        var problems = response.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        // A client that accepts only HTML still gets the problem, as JSON.
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = response.HttpContext, ProblemDetails = problem }))
            await response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
    }

    public static ClaimsPrincipal Principal(string id, string name, string role, string scheme, string? language = null)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, id),
            new(ClaimTypes.Name, name),
            new(ClaimTypes.Role, role),
        };
        if (language is not null)
            claims.Add(new Claim("lang", language));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    public static Actor Actor(this ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity?.Name ?? "unknown");

    public static bool IsAtLeast(this ClaimsPrincipal user, Role role) =>
        Roles.TryParse(user.FindFirstValue(ClaimTypes.Role), out var own) && own >= role;
}

/// <summary>API keys: <c>mst_</c> and 40 random characters; the row holds a SHA-256 hash only.</summary>
public sealed class ApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    MusterDb db, TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const int PrefixLength = 12;
    private const string KeyPrefix = "mst_";

    public static (string Key, string Prefix, string Hash) NewKey()
    {
        var key = KeyPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        return (key, key[..PrefixLength], Hash(key));
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var key = header["Bearer ".Length..].Trim();
        // A bearer that is not shaped like an API key (an integration's secret on POST /api/v2/alerts)
        // is none of this handler's business: no database lookup and no failure logged on every alert.
        // Where a user is required, it is still answered 401.
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal))
            return AuthenticateResult.NoResult();
        if (key.Length <= PrefixLength)
            return AuthenticateResult.Fail("The API key is malformed.");
        var row = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == key.Substring(0, PrefixLength));
        if (row is null || row.RevokedAt is not null
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(row.Hash), Encoding.ASCII.GetBytes(Hash(key))))
            return AuthenticateResult.Fail("The API key is unknown or revoked.");
        var now = time.GetUtcNow().UtcDateTime;
        if (row.LastUsedAt is null || now - row.LastUsedAt > TimeSpan.FromMinutes(5))
            await db.ApiKeys.Where(k => k.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now));
        return AuthenticateResult.Success(new AuthenticationTicket(AuthSetup.Principal($"apikey:{row.Id}", $"API key {row.Name}", row.Role, SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => AuthSetup.WriteProblem(Response, 401);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => AuthSetup.WriteProblem(Response, 403);
}
