using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Muster.Infrastructure;

/// <summary>
/// The one base of every link that leaves Muster: messages and their action links, the status page
/// and its mail, calendar feeds, QR labels, survey invitations, integration and hook URLs.
/// It is <c>Muster__PublicUrl</c> when set, else the first address Muster listens on.
/// </summary>
public sealed class PublicUrl(IOptions<MusterOptions> options, IConfiguration configuration, IServer server, IHostApplicationLifetime lifetime,
    ILogger<PublicUrl> logger)
{
    private static readonly Lazy<string> HostName = new(() => Dns.GetHostName() is { Length: > 0 } name ? name.ToLowerInvariant() : "127.0.0.1");

    private string? known;

    /// <summary>Scheme, host, port and any path prefix, without a trailing slash, such as <c>https://muster.example.com</c>.</summary>
    public string Base => known ?? Resolve().Url;

    /// <summary>The absolute link to <paramref name="path"/>, a path of Muster's such as <c>/status</c>.</summary>
    public string To(string path) => Base + (path.StartsWith('/') ? path : "/" + path);

    /// <summary>Says at start where links point, and warns when that is a guess an operator should replace.</summary>
    public void Announce()
    {
        try
        {
            var (url, listenedOn) = Resolve();
            if (listenedOn is not null)
                logger.LogWarning("Muster listens on every address ({Address}), so links that leave Muster use this machine's name: {PublicUrl}. " +
                    "Set Muster__PublicUrl to the address people reach, such as https://muster.example.com.", listenedOn, url);
            else
                logger.LogInformation("Links that leave Muster start with {PublicUrl}.", url);
        }
        catch (InvalidOperationException e)
        {
            logger.LogWarning("{Problem}", e.Message);
        }
    }

    private (string Url, string? Wildcard) Resolve()
    {
        var started = lifetime.ApplicationStarted.IsCancellationRequested;
        // Once Kestrel listens, its addresses are the truth: a port 0 is the port it was given, and
        // Kestrel's own endpoint settings win over urls. Before that (or under a test server) the
        // configured urls are what it will listen on.
        var listening = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        var addresses = listening.Count > 0 ? listening
            : (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var choice = Choose(options.Value.PublicUrl, addresses, HostName.Value)
            ?? throw new InvalidOperationException((addresses.Count == 0
                    ? "Links that leave Muster need an address, and Muster knows of none it listens on. "
                    : $"Links that leave Muster need an address, and Muster's ({string.Join(", ", addresses)}) has no port yet or is a socket. ")
                + "Set Muster__PublicUrl to the address people reach, such as https://muster.example.com.");
        // Before start a later Kestrel setting may still change the address: only what is final is kept.
        if (started || !string.IsNullOrWhiteSpace(options.Value.PublicUrl))
            known = choice.Url;
        return choice;
    }

    /// <summary>
    /// The base for links: <paramref name="configured"/> when set, else the first of <paramref name="addresses"/>
    /// with its host replaced by <paramref name="hostName"/> when it is a wildcard (then Wildcard names the address).
    /// Null when the first address's port is not known yet (port 0 before Kestrel listens) or there is none.
    /// </summary>
    public static (string Url, string? Wildcard)? Choose(string? configured, IEnumerable<string> addresses, string hostName)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return (configured.Trim().TrimEnd('/'), null);
        foreach (var address in addresses)
        {
            BindingAddress binding;
            try
            {
                binding = BindingAddress.Parse(address);
            }
            catch (FormatException)
            {
                continue;
            }
            // A Unix socket or named pipe is for a proxy on this machine, never an address in a link.
            if (binding.IsUnixPipe || binding.IsNamedPipe)
                continue;
            if (binding.Port == 0)
                return null;
            var wildcard = binding.Host is "+" or "*" or "0.0.0.0" or "[::]" or "::";
            var host = wildcard ? hostName : binding.Host;
            var port = (binding.Scheme, binding.Port) is ("http", 80) or ("https", 443) ? "" : $":{binding.Port}";
            return ($"{binding.Scheme}://{host}{port}{binding.PathBase}".TrimEnd('/'), wildcard ? address : null);
        }
        return null;
    }

    /// <summary>What is wrong with a Muster__PublicUrl value, or null when it can be the base of links.</summary>
    public static string? Problem(string value)
    {
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return "is not an absolute http or https URL";
        if (value.Contains('?', StringComparison.Ordinal))
            return "has a query (?…), which no link can start with";
        if (value.Contains('#', StringComparison.Ordinal))
            return "has a fragment (#…), which no link can start with";
        return null;
    }
}
