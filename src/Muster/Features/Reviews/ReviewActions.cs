using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.Learning;
using Muster.Domain.People;
using Muster.Domain.Plans;
using Muster.Features.Incidents;
using Muster.Infrastructure;

namespace Muster.Features.Reviews;

/// <summary>The post-incident review use cases, shared by the API and the pages.</summary>
public sealed class ReviewActions(MusterDb db, PlanCatalog plans, IncidentActions incidents, TimeProvider time,
    IStringLocalizer<SharedResource> text)
{
    public const int MaxText = 20_000;
    public const int MaxTitle = 300;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private static string Culture => CultureInfo.CurrentUICulture.Name;

    public async Task<ReviewView?> FindAsync(string incidentIdOrNumber, CancellationToken ct = default)
    {
        var incident = await incidents.FindAsync(incidentIdOrNumber, ct: ct);
        var review = await db.Reviews.AsNoTracking().FirstOrDefaultAsync(r => r.IncidentId == incident.Id, ct);
        return review is null ? null : await ViewAsync(review, incident, ct);
    }

    /// <summary>Starts the review from the plan's template (or the built-in one), as a draft.</summary>
    public async Task<ReviewView> StartAsync(string incidentIdOrNumber, ClaimsPrincipal? user, CancellationToken ct = default)
    {
        var incident = await incidents.FindAsync(incidentIdOrNumber, ct: ct);
        if (await db.Reviews.AnyAsync(r => r.IncidentId == incident.Id, ct))
            throw RequestException.Conflict("review", $"{incident.Reference} has a review already; change it with PUT /api/v1/incidents/{incident.Id}/review.");
        var review = await CreateAsync(db, plans, incident, user?.Actor().Id, Culture, Now, ct);
        db.Record(user, "review.started", "review", review.Id, null, new { review.IncidentId, review.Required, review.DueAt }, Now);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(review, incident, ct);
    }

    /// <summary>Adds a draft review to the context (the caller saves): required and due as the plan says.</summary>
    public static async Task<PostIncidentReview> CreateAsync(MusterDb db, PlanCatalog plans, Incident incident, string? ownerId, string culture, DateTime now,
        CancellationToken ct = default)
    {
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var required = ReviewSchedule.IsRequired(plan, incident.SeverityLevel, incident.Drill);
        ownerId ??= await DefaultOwnerAsync(db, incident.Id, ct);
        var review = new PostIncidentReview
        {
            IncidentId = incident.Id,
            Required = required,
            DueAt = required && incident.ResolvedAt is { } resolved ? ReviewSchedule.DueAt(plan, resolved) : null,
            OwnerId = ownerId,
            Summary = await TemplateAsync(db, plan, incident, culture, now, ct),
            AffectedUsers = incident.Impact.AffectedUsers,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Reviews.Add(review);
        return review;
    }

    /// <summary>Who acknowledged the incident, or else who declared it (a person, not Muster).</summary>
    public static async Task<string?> DefaultOwnerAsync(MusterDb db, string incidentId, CancellationToken ct)
    {
        var actors = await db.TimelineEntries.AsNoTracking()
            .Where(e => e.IncidentId == incidentId && e.ActorId != null
                && ((e.Kind == TimelineKinds.StatusChanged && e.To == "acknowledged") || e.Kind == TimelineKinds.Declared))
            .OrderBy(e => e.At).Select(e => new { e.Kind, e.ActorId }).ToListAsync(ct);
        var candidate = actors.FirstOrDefault(a => a.Kind == TimelineKinds.StatusChanged)?.ActorId ?? actors.FirstOrDefault()?.ActorId;
        // An API key acts as a key, not a person.
        return candidate is not null && await db.People.AnyAsync(p => p.Id == candidate && p.Active, ct) ? candidate : null;
    }

    private static async Task<string> TemplateAsync(MusterDb db, PlanDefinition plan, Incident incident, string culture, DateTime now, CancellationToken ct)
    {
        var service = await db.Services.Where(s => s.Id == incident.ServiceId).Select(s => s.Name).FirstAsync(ct);
        var name = plan.Review?.Template ?? PlanTemplates.Review;
        var template = plan.Templates.TryGetValue(name, out var t) ? t.In(culture) : null;
        template ??= culture.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? BuiltInZh : BuiltInEn;
        var values = new Dictionary<string, string?>
        {
            ["reference"] = incident.Reference,
            ["title"] = incident.Title,
            ["service"] = service,
            ["level"] = incident.SeverityLevel,
            ["levelName"] = plan.FindLevel(incident.SeverityLevel)?.Name.In(culture) ?? incident.SeverityLevel,
            ["status"] = incident.Status.ToString().ToLowerInvariant(),
            ["startedAt"] = incident.StartedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["declaredAt"] = incident.DeclaredAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["affectedUsers"] = incident.Impact.AffectedUsers?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["impact"] = incident.Impact.AffectedUsers?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["plan"] = plan.Name.In(culture),
            ["now"] = now.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
        };
        return PlanTemplates.Render(template, values);
    }

    /// <summary>The built-in review summary, when the plan names no template of its own.</summary>
    public const string BuiltInZh = """
        {{reference}} {{title}}（{{service}}，{{levelName}}）
        开始于 {{startedAt}}，登记于 {{declaredAt}}。

        经过：
        影响：
        处置：
        后续：
        """;

    public const string BuiltInEn = """
        {{reference}} {{title}} ({{service}}, {{levelName}})
        Started {{startedAt}}, declared {{declaredAt}}.

        What happened:
        Impact:
        How it was handled:
        What comes next:
        """;

    public async Task<ReviewView> UpdateAsync(string incidentIdOrNumber, ReviewRequest request, ClaimsPrincipal? user, CancellationToken ct = default)
    {
        var errors = new Problems.Errors()
            .Text(request.Summary, "summary", MaxText, required: false)
            .Check(request.AffectedUsers is null or >= 0, "affectedUsers", "affectedUsers cannot be negative; give 0 or more.")
            .Check(request.RootCause is null || RootCauses.All.Contains(request.RootCause), "rootCause", $"rootCause is one of: {string.Join(", ", RootCauses.All)}.")
            .Text(request.RootCauseDetail, "rootCauseDetail", MaxText, required: false)
            .Text(request.ContributingFactors, "contributingFactors", MaxText, required: false)
            .Text(request.WentWell, "wentWell", MaxText, required: false)
            .Text(request.WentBadly, "wentBadly", MaxText, required: false);
        errors.ThrowIfAny();
        var (review, incident) = await TrackedAsync(incidentIdOrNumber, ct);
        EnsureEditable(review);
        var people = (request.Attendees ?? []).Append(request.OwnerId).Where(p => !string.IsNullOrEmpty(p)).Distinct().ToList();
        var known = await db.People.Where(p => people.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct);
        if (people.Except(known).FirstOrDefault() is { } unknown)
            throw RequestException.Unprocessable(request.OwnerId == unknown ? "ownerId" : "attendees", $"There is no person '{unknown}'; use an id from GET /api/v1/people.");
        var before = Snapshot(review);
        if (request.Summary is not null)
            review.Summary = request.Summary;
        review.AffectedUsers = request.AffectedUsers ?? review.AffectedUsers;
        review.RootCause = request.RootCause ?? review.RootCause;
        review.RootCauseDetail = request.RootCauseDetail ?? review.RootCauseDetail;
        review.ContributingFactors = request.ContributingFactors ?? review.ContributingFactors;
        review.WentWell = request.WentWell ?? review.WentWell;
        review.WentBadly = request.WentBadly ?? review.WentBadly;
        review.MeetingAt = request.MeetingAt?.ToUniversalTime() ?? review.MeetingAt;
        if (request.Attendees is not null)
            review.Attendees = JsonSerializer.Serialize(request.Attendees.Distinct());
        if (request.OwnerId is not null)
            review.OwnerId = request.OwnerId.Length == 0 ? null : request.OwnerId;
        review.UpdatedAt = Now;
        db.Record(user, "review.updated", "review", review.Id, before, Snapshot(review), Now);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(review, incident, ct);
    }

    /// <summary>draft → in_review → published; a manager reopens a published review to draft.</summary>
    public async Task<ReviewView> MoveAsync(string incidentIdOrNumber, string target, ClaimsPrincipal? user, CancellationToken ct = default)
    {
        var (review, incident) = await TrackedAsync(incidentIdOrNumber, ct);
        var from = review.State;
        switch (target)
        {
            case ReviewStates.InReview when from == ReviewStates.Draft:
                break;
            case ReviewStates.Published when from is ReviewStates.Draft or ReviewStates.InReview:
                if (review.RootCause is null)
                    throw RequestException.Unprocessable("rootCause", "A review is published with its root cause category; set rootCause first.");
                if (incident.IsOpen)
                    throw RequestException.Conflict("incident", $"{incident.Reference} is still open; resolve it before publishing its review.");
                review.PublishedAt = Now;
                review.PublishedBy = user?.Identity?.Name;
                break;
            case ReviewStates.Draft when from == ReviewStates.Published:
                if (user is not null && !user.IsAtLeast(Role.Manager))
                    throw new RequestException(StatusCodes.Status403Forbidden, "Your role does not allow this.",
                        new Dictionary<string, string[]> { ["state"] = ["Only a manager reopens a published review."] });
                review.PublishedAt = null;
                review.PublishedBy = null;
                break;
            case ReviewStates.Draft when from == ReviewStates.InReview:
                break;
            default:
                throw RequestException.Conflict("state", $"The review is {from}; it cannot move to {target}. Draft goes to in_review or published, in_review to published or back to draft, published back to draft (managers).");
        }
        review.State = target;
        review.UpdatedAt = Now;
        db.Record(user, $"review.{target}", "review", review.Id, new { State = from }, new { review.State }, Now);
        if (target == ReviewStates.Draft && from == ReviewStates.Published && review.Required && incident.ResolvedAt is not null)
            await ReviewWork.ScheduleAsync(db, incident.Id, Now, ReviewWork.Remind, Now, ct);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(review, incident, ct);
    }

    public async Task<ActionItemView> AddActionAsync(string incidentIdOrNumber, ActionItemRequest request, ClaimsPrincipal? user, CancellationToken ct = default)
    {
        var (review, incident) = await TrackedAsync(incidentIdOrNumber, ct);
        EnsureEditable(review);
        var item = await NewActionAsync(db, incident.Id, request, ct);
        item.ReviewId = review.Id;
        item.CreatedAt = Now;
        db.ActionItems.Add(item);
        db.Record(user, "action_item.created", "action_item", item.Id, null, new { item.Title, item.OwnerId, item.DueOn, item.ReviewId }, Now);
        await db.SaveChangesAsync(ct);
        return (await ActionsAsync(db, new ActionFilter(Id: item.Id), Now, ct)).Single();
    }

    /// <summary>Validates and makes an action item (the caller links and adds it).</summary>
    public static async Task<ActionItem> NewActionAsync(MusterDb db, string incidentId, ActionItemRequest request, CancellationToken ct)
    {
        new Problems.Errors().Text(request.Title, "title", MaxTitle).ThrowIfAny();
        if (request.OwnerId is { Length: > 0 } owner && !await db.People.AnyAsync(p => p.Id == owner, ct))
            throw RequestException.Unprocessable("ownerId", $"There is no person '{owner}'; use an id from GET /api/v1/people.");
        return new ActionItem
        {
            IncidentId = incidentId,
            Title = request.Title!.Trim(),
            OwnerId = string.IsNullOrEmpty(request.OwnerId) ? null : request.OwnerId,
            DueOn = request.DueOn?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
        };
    }

    /// <summary>Changes an action item; marking it done stamps when. Items stay changeable after publication: they are tracked to done.</summary>
    public async Task<ActionItemView> PatchActionAsync(string id, ActionItemPatch patch, ClaimsPrincipal? user, CancellationToken ct = default)
    {
        new Problems.Errors()
            .Text(patch.Title, "title", MaxTitle, required: false)
            .Check(patch.Title is null || !string.IsNullOrWhiteSpace(patch.Title), "title", "title cannot be blank.")
            .Check(patch.State is null or ActionStates.Open or ActionStates.Done, "state", "state is open or done.")
            .ThrowIfAny();
        var item = await db.ActionItems.FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw RequestException.NotFound("action item", id);
        if (patch.OwnerId is { Length: > 0 } owner && !await db.People.AnyAsync(p => p.Id == owner, ct))
            throw RequestException.Unprocessable("ownerId", $"There is no person '{owner}'; use an id from GET /api/v1/people.");
        var before = new { item.Title, item.OwnerId, item.DueOn, item.State };
        item.Title = patch.Title?.Trim() ?? item.Title;
        if (patch.OwnerId is not null)
            item.OwnerId = patch.OwnerId.Length == 0 ? null : patch.OwnerId;
        if (patch.DueOn is { } due)
            item.DueOn = due.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        if (patch.State is { } state && state != item.State)
        {
            item.State = state;
            item.DoneAt = state == ActionStates.Done ? Now : null;
        }
        db.Record(user, "action_item.updated", "action_item", item.Id, before, new { item.Title, item.OwnerId, item.DueOn, item.State }, Now);
        await db.SaveChangesAsync(ct);
        return (await ActionsAsync(db, new ActionFilter(Id: item.Id), Now, ct)).Single();
    }

    public sealed record ActionFilter(string? State = null, string? OwnerId = null, bool OverdueOnly = false, string? ReviewId = null,
        string? DrillRunId = null, string? Id = null, bool IncludeDrills = true);

    /// <summary>Action items, overdue first, then by due date.</summary>
    public static async Task<List<ActionItemView>> ActionsAsync(MusterDb db, ActionFilter filter, DateTime now, CancellationToken ct = default)
    {
        var query = db.ActionItems.AsNoTracking();
        if (filter.Id is not null)
            query = query.Where(a => a.Id == filter.Id);
        if (filter.State is not null)
            query = query.Where(a => a.State == filter.State);
        if (filter.OwnerId is not null)
            query = query.Where(a => a.OwnerId == filter.OwnerId);
        if (filter.ReviewId is not null)
            query = query.Where(a => a.ReviewId == filter.ReviewId);
        if (filter.DrillRunId is not null)
            query = query.Where(a => a.DrillRunId == filter.DrillRunId);
        var today = now.Date;
        if (filter.OverdueOnly)
            query = query.Where(a => a.State == ActionStates.Open && a.DueOn != null && a.DueOn < today);
        var rows = await query
            .Join(db.Incidents, a => a.IncidentId, i => i.Id, (a, i) => new { a, i.Number, i.Drill })
            .Where(x => filter.IncludeDrills || !x.Drill)
            .GroupJoin(db.People, x => x.a.OwnerId, p => p.Id, (x, p) => new { x.a, x.Number, p })
            .SelectMany(x => x.p.DefaultIfEmpty(), (x, p) => new { x.a, x.Number, Owner = p == null ? null : p.DisplayName })
            .ToListAsync(ct);
        return rows
            .Select(r => new ActionItemView(r.a.Id, r.a.Title, r.a.OwnerId, r.Owner, r.a.DueOn is { } d ? DateOnly.FromDateTime(d) : null, r.a.State, r.a.DoneAt,
                r.a.State == ActionStates.Open && r.a.DueOn is { } due && due < today, r.a.IncidentId, $"INC-{r.Number}", r.a.ReviewId, r.a.DrillRunId, r.a.CreatedAt))
            .OrderByDescending(a => a.Overdue).ThenBy(a => a.State).ThenBy(a => a.DueOn ?? DateOnly.MaxValue).ThenBy(a => a.CreatedAt)
            .ToList();
    }

    /// <summary>Reviews: <paramref name="show"/> is due (not yet published), overdue, published or all. Drills only when asked.</summary>
    public async Task<List<ReviewSummary>> ListAsync(string show, bool includeDrills, CancellationToken ct = default)
    {
        var now = Now;
        var query = db.Reviews.AsNoTracking().Join(db.Incidents, r => r.IncidentId, i => i.Id, (r, i) => new { r, i });
        if (!includeDrills)
            query = query.Where(x => !x.i.Drill);
        query = show switch
        {
            "due" => query.Where(x => x.r.State != ReviewStates.Published),
            "overdue" => query.Where(x => x.r.State != ReviewStates.Published && x.r.DueAt != null && x.r.DueAt < now),
            "published" => query.Where(x => x.r.State == ReviewStates.Published),
            _ => query,
        };
        var rows = await query
            .Join(db.Services, x => x.i.ServiceId, s => s.Id, (x, s) => new { x.r, x.i.Number, x.i.Title, x.i.SeverityLevel, x.i.Drill, Service = s.Name })
            .GroupJoin(db.People, x => x.r.OwnerId, p => p.Id, (x, p) => new { x, p })
            .SelectMany(y => y.p.DefaultIfEmpty(), (y, p) => new
            {
                y.x.r,
                y.x.Number,
                y.x.Title,
                y.x.SeverityLevel,
                y.x.Drill,
                y.x.Service,
                Owner = p == null ? null : p.DisplayName,
                Open = db.ActionItems.Count(a => a.ReviewId == y.x.r.Id && a.State == ActionStates.Open),
            })
            .OrderBy(x => x.r.DueAt == null).ThenBy(x => x.r.DueAt).ThenByDescending(x => x.r.CreatedAt)
            .Take(500)
            .ToListAsync(ct);
        return rows.Select(x => new ReviewSummary(x.r.Id, x.r.IncidentId, $"INC-{x.Number}", x.Title, x.Service, x.SeverityLevel, x.Drill, x.r.State, x.r.Required,
            x.r.DueAt, ReviewSchedule.IsOverdue(x.r.DueAt, x.r.State, now), x.Owner, x.r.RootCause, x.Open, x.r.PublishedAt)).ToList();
    }

    public async Task<ReviewView> ViewAsync(PostIncidentReview review, Incident incident, CancellationToken ct = default)
    {
        var now = Now;
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var targets = plan.TargetsFor(incident.SeverityLevel);
        var clocks = SlaClocks.Compute(incident.ClockInput, targets, now)
            .Select(c => new ReviewClock(c.Stage, targets.For(c.Stage), c.Deadline, c.StoppedAt, c.State)).ToList();
        var impact = new ReviewImpact(
            (long)ReviewTimeline.Duration(incident.StartedAt, incident.RestoredAt, now).TotalSeconds, incident.RestoredAt is null,
            review.AffectedUsers ?? incident.Impact.AffectedUsers, clocks,
            clocks.Count(c => c.State is ClockState.Met or ClockState.Skipped), clocks.Count(c => c.State == ClockState.Breached));
        var timeline = (await incidents.TimelineAsync(incident.Id, ct))
            .Where(e => ReviewTimeline.IsSignificant(e.Kind, e.To))
            .Select(e => new ReviewTimelineItem(e.At, e.Kind, e.Actor, e.Text, e.Note)).ToList();
        var attendeeIds = JsonSerializer.Deserialize<List<string>>(review.Attendees) ?? [];
        var ids = attendeeIds.Append(review.OwnerId ?? "").ToList();
        var names = await db.People.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.DisplayName, ct);
        var actions = await ActionsAsync(db, new ActionFilter(ReviewId: review.Id), now, ct);
        return new ReviewView(review.Id, incident.Id, incident.Reference, incident.Title, incident.Drill, review.State, review.Required,
            review.DueAt, ReviewSchedule.IsOverdue(review.DueAt, review.State, now),
            review.OwnerId is { } o && names.TryGetValue(o, out var owner) ? new PersonRef(o, owner) : null,
            review.Summary, review.AffectedUsers, review.RootCause, review.RootCauseDetail, review.ContributingFactors, review.WentWell, review.WentBadly,
            review.MeetingAt, attendeeIds.Where(names.ContainsKey).Select(a => new PersonRef(a, names[a])).ToList(),
            impact, timeline, actions, review.CreatedAt, review.UpdatedAt, review.PublishedAt);
    }

    private async Task<(PostIncidentReview Review, Incident Incident)> TrackedAsync(string incidentIdOrNumber, CancellationToken ct)
    {
        var incident = await incidents.FindAsync(incidentIdOrNumber, ct: ct);
        var review = await db.Reviews.FirstOrDefaultAsync(r => r.IncidentId == incident.Id, ct)
            ?? throw RequestException.NotFound("review", incident.Reference);
        return (review, incident);
    }

    private static void EnsureEditable(PostIncidentReview review)
    {
        if (review.State == ReviewStates.Published)
            throw RequestException.Conflict("state", "The review is published and read-only; a manager reopens it (POST …/review/reopen) to change it.");
    }

    private static object Snapshot(PostIncidentReview r) => new
    {
        r.Summary,
        r.AffectedUsers,
        r.RootCause,
        r.RootCauseDetail,
        r.ContributingFactors,
        r.WentWell,
        r.WentBadly,
        r.MeetingAt,
        r.Attendees,
        r.OwnerId,
    };

    /// <summary>The text a page shows for a root cause key.</summary>
    public string RootCauseName(string? key) => key is null ? "" : text[$"review.cause.{key}"];
}
