using System.Globalization;
using Muster.Domain.Incidents;
using Muster.Infrastructure;

namespace Muster.Features.Incidents;

/// <summary>The list's filters, shared by <c>GET /api/v1/incidents</c> and the incident list page.</summary>
public sealed record IncidentFilter(
    string? Status = null, string? Severity = null, string? ServiceId = null, string? Q = null,
    DateTime? From = null, DateTime? To = null, bool? Drill = null, int Page = 1, int PageSize = 50)
{
    public const int MaxPageSize = 200;

    /// <summary>Checks the values and stops the request with a 400 naming the field that is wrong.</summary>
    public IncidentFilter Validated()
    {
        new Problems.Errors()
            .Check(Page >= 1, "page", "page starts at 1.")
            .Check(PageSize is >= 1 and <= MaxPageSize, "pageSize", $"pageSize is from 1 to {MaxPageSize}.")
            .Check(From is null || To is null || From <= To, "from", "from must be before to.")
            .Check(Statuses() is not null, "status", "status is 'open', or a comma-separated list of: " + string.Join(", ", Enum.GetNames<IncidentStatus>().Select(n => n.ToLowerInvariant())) + ".")
            .Text(Q, "q", 200, required: false)
            .ThrowIfAny();
        return this;
    }

    private IncidentStatus[]? Statuses()
    {
        if (string.IsNullOrWhiteSpace(Status))
            return [];
        if (Status == "open")
            return IncidentStatuses.Open;
        var parts = Status.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = new List<IncidentStatus>();
        foreach (var part in parts)
        {
            if (!Enum.TryParse<IncidentStatus>(part, true, out var s) || int.TryParse(part, out _))
                return null;
            result.Add(s);
        }
        return [.. result];
    }

    public IQueryable<Incident> Apply(IQueryable<Incident> query)
    {
        if (Statuses() is { Length: > 0 } statuses)
            query = statuses.Length == 1 ? query.Where(i => i.Status == statuses[0]) : query.Where(i => statuses.Contains(i.Status));
        if (!string.IsNullOrWhiteSpace(Severity))
        {
            query = int.TryParse(Severity, NumberStyles.None, CultureInfo.InvariantCulture, out var rank)
                ? query.Where(i => i.SeverityRank == rank)
                : query.Where(i => i.SeverityLevel == Severity);
        }
        if (!string.IsNullOrWhiteSpace(ServiceId))
            query = query.Where(i => i.ServiceId == ServiceId);
        if (!string.IsNullOrWhiteSpace(Q))
        {
            var q = Q.Trim().ToLower(CultureInfo.InvariantCulture);
            query = query.Where(i => i.Title.ToLower().Contains(q) || (i.Description != null && i.Description.ToLower().Contains(q)));
        }
        if (From is { } from)
        {
            var f = from.ToUniversalTime();
            query = query.Where(i => i.DeclaredAt >= f);
        }
        if (To is { } to)
        {
            var t = to.ToUniversalTime();
            query = query.Where(i => i.DeclaredAt < t);
        }
        if (Drill is { } drill)
            query = query.Where(i => i.Drill == drill);
        return query;
    }
}
