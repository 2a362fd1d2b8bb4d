using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Muster.Domain.People;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>Walks every endpoint with every role and with none: each states its policy, and each policy holds.</summary>
public sealed partial class AuthorizationWalkTests(MusterFactory app) : IClassFixture<MusterFactory>
{
    private sealed record Probe(string Method, string Url, string? Policy, bool Anonymous, bool Api)
    {
        public string? Name { get; init; }
    }

    private List<Probe> Endpoints()
    {
        var sources = app.Services.GetRequiredService<EndpointDataSource>();
        var probes = new List<Probe>();
        foreach (var endpoint in sources.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor>() is not null || pattern.TrimStart('/').StartsWith('_') || pattern.Contains(":file"))
                continue;
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var url = "/" + Parameter().Replace(pattern.Trim('/'), m => m.Value.Contains(":int") ? "1" : "x");
            var policy = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            foreach (var method in methods)
                probes.Add(new Probe(method, url, policy, anonymous, url.StartsWith("/api/")) { Name = endpoint.DisplayName });
        }
        return probes;
    }

    [Fact]
    public void Every_endpoint_states_its_policy()
    {
        var silent = Endpoints().Where(p => p.Policy is null && !p.Anonymous).Select(p => $"{p.Method} {p.Url} ({p.Name})").ToList();
        Assert.True(silent.Count == 0, string.Join("\n", silent));
        Assert.Contains(Endpoints(), p => p.Url == "/api/v1/incidents" && p.Method == "POST" && p.Policy == "responder");
    }

    [Fact]
    public async Task Every_endpoint_with_every_role_and_with_none()
    {
        var failures = new List<string>();
        var roles = Enum.GetValues<Role>().Select(r => (Role?)r).Prepend(null).ToList();
        var clients = roles.ToDictionary(r => r?.ToString() ?? "none", r => app.Client(r));
        foreach (var probe in Endpoints().Where(p => !p.Anonymous))
        {
            var needed = Roles.TryParse(probe.Policy, out var least) ? least : Role.Viewer;
            foreach (var role in roles)
            {
                using var request = new HttpRequestMessage(new HttpMethod(probe.Method), probe.Url);
                if (probe.Method is "POST" or "PUT" or "PATCH")
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                var response = await clients[role?.ToString() ?? "none"].SendAsync(request);
                var status = response.StatusCode;
                var expected = role is null
                    ? (probe.Api ? "401" : "redirect to /login")
                    : role < needed ? "403" : "allowed";
                var actual = status switch
                {
                    HttpStatusCode.Unauthorized => "401",
                    HttpStatusCode.Forbidden => "403",
                    HttpStatusCode.Redirect when response.Headers.Location?.ToString().Contains("/login") == true => "redirect to /login",
                    _ => "allowed",
                };
                if (actual != expected)
                    failures.Add($"{probe.Method} {probe.Url} as {role?.ToString() ?? "nobody"}: expected {expected}, got {(int)status} ({actual})");
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Public_endpoints_answer_without_a_key()
    {
        var anonymous = app.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/login")).StatusCode);
        // The survey page a reporter opens from an SMS needs no account: a bad token is a page saying so, not a sign-in.
        var survey = await anonymous.GetAsync("/s/nosuch.token");
        Assert.Equal(HttpStatusCode.NotFound, survey.StatusCode);
        Assert.Contains("Muster", await survey.Content.ReadAsStringAsync());
        Assert.Contains(Endpoints(), p => p.Url == "/s/x" && p.Anonymous);
        var metrics = await anonymous.GetStringAsync("/metrics");
        Assert.Contains("muster_http_requests_total", metrics);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();
}
