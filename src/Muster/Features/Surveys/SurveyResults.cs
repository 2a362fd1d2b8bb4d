using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Surveys;

public sealed record ServiceScores(string ServiceId, string ServiceName, int Responses, double Average, IReadOnlyList<int> Distribution, int Invited);

public sealed record SurveyResults(DateTime From, DateTime To, int Responses, double? Average, IReadOnlyList<int> Distribution, int Invited,
    IReadOnlyList<ServiceScores> Services);

/// <summary>Survey scores per service and period: averages and how many gave each score. Drills are never asked, so never counted.</summary>
public static class SurveyStats
{
    public static async Task<SurveyResults> QueryAsync(MusterDb db, DateTime from, DateTime to, string? serviceId, CancellationToken ct = default)
    {
        if (to <= from)
            throw RequestException.Invalid("to", "to must be after from.");
        var responses = db.SurveyResponses.AsNoTracking().Where(r => r.RespondedAt >= from && r.RespondedAt < to);
        var invitations = db.SurveyInvitations.AsNoTracking().Where(i => i.CreatedAt >= from && i.CreatedAt < to && i.Status == "sent");
        if (serviceId is not null)
        {
            responses = responses.Where(r => r.ServiceId == serviceId);
            invitations = invitations.Where(i => i.ServiceId == serviceId);
        }
        // Belt and braces: a drill incident's answers (there should be none) never count.
        responses = responses.Where(r => !db.Incidents.Any(i => i.Id == r.IncidentId && i.Drill));
        var counts = await responses.GroupBy(r => new { r.ServiceId, r.Score }).Select(g => new { g.Key.ServiceId, g.Key.Score, Count = g.Count() }).ToListAsync(ct);
        var invited = await invitations.GroupBy(i => i.ServiceId).Select(g => new { ServiceId = g.Key, Count = g.Count() }).ToListAsync(ct);
        var ids = counts.Select(c => c.ServiceId).Concat(invited.Select(i => i.ServiceId)).Distinct().ToList();
        var names = await db.Services.AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
        var services = ids.Select(id =>
        {
            var own = counts.Where(c => c.ServiceId == id).ToList();
            var n = own.Sum(c => c.Count);
            var distribution = Enumerable.Range(1, 5).Select(s => own.Where(c => c.Score == s).Sum(c => c.Count)).ToList();
            return new ServiceScores(id, names.GetValueOrDefault(id, id), n, n == 0 ? 0 : Math.Round(own.Sum(c => (double)c.Score * c.Count) / n, 2), distribution,
                invited.Where(i => i.ServiceId == id).Sum(i => i.Count));
        }).OrderBy(s => s.ServiceName, StringComparer.Ordinal).ToList();
        var total = counts.Sum(c => c.Count);
        return new SurveyResults(from, to, total, total == 0 ? null : Math.Round(counts.Sum(c => (double)c.Score * c.Count) / total, 2),
            Enumerable.Range(1, 5).Select(s => counts.Where(c => c.Score == s).Sum(c => c.Count)).ToList(), invited.Sum(i => i.Count), services);
    }

    /// <summary>Records an answer; false when this link has been answered already.</summary>
    public static async Task<bool> RespondAsync(MusterDb db, SurveyInvitation invitation, int score, string? comment, DateTime now, CancellationToken ct = default)
    {
        if (score is < 1 or > 5)
            throw RequestException.Invalid("score", "score is from 1 to 5.");
        if (await db.SurveyResponses.AnyAsync(r => r.InvitationId == invitation.Id, ct))
            return false;
        comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        if (comment?.Length > 2000)
            comment = comment[..2000];
        db.SurveyResponses.Add(new SurveyResponse
        {
            InvitationId = invitation.Id,
            IncidentId = invitation.IncidentId,
            ServiceId = invitation.ServiceId,
            Score = score,
            Comment = comment,
            RespondedAt = now,
        });
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException)
        {
            // Two answers at once: the unique index kept the first.
            db.ChangeTracker.Clear();
            return false;
        }
    }
}

public static class SurveyEndpoints
{
    public static void MapSurveys(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/surveys", async (DateTime? from, DateTime? to, string? serviceId, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return TypedResults.Ok(await SurveyStats.QueryAsync(db, from?.ToUniversalTime() ?? now.AddDays(-30), to?.ToUniversalTime() ?? now, serviceId, ct));
            })
            .WithTags("Surveys").RequireAuthorization(Policies.Viewer)
            .WithSummary("Satisfaction scores from reporters: average and distribution (1–5) overall and per service, for [from, to).");
    }
}
