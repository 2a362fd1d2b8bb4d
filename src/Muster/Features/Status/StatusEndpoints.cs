using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Domain.People;
using Muster.Domain.Plans;
using Muster.Domain.Status;
using Muster.Infrastructure;

namespace Muster.Features.Status;

public sealed record ComponentRequest(string? NameZh, string? NameEn, string? DescriptionZh = null, string? DescriptionEn = null, string? Group = null,
    int Order = 0, IReadOnlyList<string>? ServiceIds = null);

public sealed record ComponentView(string Id, string NameZh, string NameEn, string? DescriptionZh, string? DescriptionEn, string? Group, int Order,
    IReadOnlyList<string> ServiceIds, string State);

public sealed record PostRequest(string? IncidentId, string? TitleZh = null, string? TitleEn = null, IReadOnlyList<string>? ComponentIds = null,
    string? Status = null, string? TextZh = null, string? TextEn = null);

public sealed record MaintenanceRequest(string? TitleZh, string? TitleEn, DateTime? StartsAt, DateTime? EndsAt, IReadOnlyList<string>? ComponentIds,
    string? TextZh = null, string? TextEn = null);

public sealed record UpdateRequest(string? Status, string? TextZh = null, string? TextEn = null);

public sealed record UpdateView(string Id, string Status, string TextZh, string TextEn, string State, string CreatedByName, DateTime CreatedAt, DateTime? PublishedAt);

public sealed record PostView(string Id, string Kind, string? IncidentId, string TitleZh, string TitleEn, IReadOnlyList<string> ComponentIds,
    DateTime? StartsAt, DateTime? EndsAt, DateTime CreatedAt, DateTime? ResolvedAt, bool NeedsApproval, IReadOnlyList<UpdateView> Updates);

public sealed record SubscriberRequest(string? Kind, string? Address, string? Language = null, IReadOnlyList<string>? ComponentIds = null);

public sealed record SubscriberView(string Id, string Kind, string Address, string Language, IReadOnlyList<string> ComponentIds, DateTime? ConfirmedAt, DateTime? UnsubscribedAt, DateTime CreatedAt);

public static class StatusEndpoints
{
    public static void MapStatus(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/status").WithTags("Status page");
        api.MapGet("/components", async (MusterDb db, StatusCache cache, CancellationToken ct) => TypedResults.Ok(await ComponentsAsync(db, cache, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Every status component, with its services and its state now.");
        api.MapPost("/components", async (ComponentRequest request, ClaimsPrincipal user, MusterDb db, StatusCache cache, TimeProvider time, CancellationToken ct) =>
            {
                var id = await StatusAdmin.SaveComponentAsync(db, null, request, user, time.GetUtcNow().UtcDateTime, ct);
                cache.Invalidate();
                return TypedResults.Created($"/api/v1/status/components/{id}", (await ComponentsAsync(db, cache, ct)).First(c => c.Id == id));
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Add a component: {nameZh, nameEn, descriptionZh?, descriptionEn?, group?, order, serviceIds}.");
        api.MapPut("/components/{id}", async (string id, ComponentRequest request, ClaimsPrincipal user, MusterDb db, StatusCache cache, TimeProvider time, CancellationToken ct) =>
            {
                await StatusAdmin.SaveComponentAsync(db, id, request, user, time.GetUtcNow().UtcDateTime, ct);
                cache.Invalidate();
                return TypedResults.Ok((await ComponentsAsync(db, cache, ct)).First(c => c.Id == id));
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Change a component.");
        api.MapDelete("/components/{id}", async (string id, ClaimsPrincipal user, MusterDb db, StatusCache cache, TimeProvider time, CancellationToken ct) =>
            {
                await StatusAdmin.DeleteComponentAsync(db, id, user, time.GetUtcNow().UtcDateTime, ct);
                cache.Invalidate();
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Remove a component from the status page.");

        api.MapGet("/posts", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await PostsAsync(db, null, ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Incident and maintenance posts, newest first, with every update (pending ones too).");
        api.MapGet("/posts/{id}", async (string id, MusterDb db, CancellationToken ct) =>
                (await PostsAsync(db, id, ct)).FirstOrDefault() is { } post ? Results.Ok(post) : Problems.NotFound("status post", id))
            .RequireAuthorization(Policies.Viewer);
        api.MapPost("/posts", async (PostRequest request, ClaimsPrincipal user, StatusAdmin admin, MusterDb db, CancellationToken ct) =>
            {
                var id = await admin.CreateIncidentPostAsync(request, user, ct);
                return TypedResults.Created($"/api/v1/status/posts/{id}", (await PostsAsync(db, id, ct)).First());
            })
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Post an incident on the status page: {incidentId, titleZh?, titleEn?, componentIds?, status?, textZh?, textEn?}; text left out is written from the plan's templates. Levels 1 and 2 wait for approval.");
        api.MapPost("/maintenance", async (MaintenanceRequest request, ClaimsPrincipal user, StatusAdmin admin, MusterDb db, CancellationToken ct) =>
            {
                var id = await admin.CreateMaintenanceAsync(request, user, ct);
                return TypedResults.Created($"/api/v1/status/posts/{id}", (await PostsAsync(db, id, ct)).First());
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Announce scheduled maintenance: {titleZh, titleEn, startsAt, endsAt, componentIds, textZh?, textEn?}.");
        api.MapPost("/posts/{id}/updates", async (string id, UpdateRequest request, ClaimsPrincipal user, StatusAdmin admin, MusterDb db, CancellationToken ct) =>
            {
                await admin.AddUpdateAsync(id, request, user, ct);
                return TypedResults.Created($"/api/v1/status/posts/{id}", (await PostsAsync(db, id, ct)).First());
            })
            .RequireAuthorization(Policies.Responder).WithSummary("Add an update: {status, textZh?, textEn?}; text left out comes from the plan's template for the status.");
        api.MapPost("/updates/{id}/approve", async (string id, ClaimsPrincipal user, StatusAdmin admin, MusterDb db, CancellationToken ct) =>
                TypedResults.Ok((await PostsAsync(db, await admin.DecideAsync(id, approve: true, user, ct), ct)).First()))
            .RequireAuthorization(Policies.Responder)
            .WithSummary("Approve a pending update: it becomes public and subscribers are told. Managers, administrators, and whoever holds the plan's approver role (communication.approver) on the incident; anyone else gets 403 naming who may.");
        api.MapPost("/updates/{id}/reject", async (string id, ClaimsPrincipal user, StatusAdmin admin, MusterDb db, CancellationToken ct) =>
                TypedResults.Ok((await PostsAsync(db, await admin.DecideAsync(id, approve: false, user, ct), ct)).First()))
            .RequireAuthorization(Policies.Responder).WithSummary("Reject a pending update: it is never shown. The same people may reject as may approve.");

        api.MapGet("/subscribers", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await SubscribersAsync(db, ct)))
            .RequireAuthorization(Policies.Manager).WithSummary("Everyone subscribed to the status page.");
        api.MapPost("/subscribers", async (SubscriberRequest request, ClaimsPrincipal user, StatusSubscriptions subscriptions, MusterDb db, CancellationToken ct) =>
            {
                var id = await subscriptions.SubscribeAsync(request, user, ct);
                return TypedResults.Created($"/api/v1/status/subscribers/{id}", (await SubscribersAsync(db, ct)).First(s => s.Id == id));
            })
            .RequireAuthorization(Policies.Manager)
            .WithSummary("Subscribe {kind: email|sms|webhook, address, language?, componentIds?}. A webhook is confirmed at once; email and SMS are sent a confirmation.");
        api.MapDelete("/subscribers/{id}", async (string id, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var subscriber = await db.StatusSubscribers.FindAsync([id], ct) ?? throw RequestException.NotFound("subscriber", id);
                db.StatusSubscribers.Remove(subscriber);
                db.Record(user, "status.subscriber.deleted", "status-subscriber", id, new { subscriber.Kind, subscriber.Address }, null, time.GetUtcNow().UtcDateTime);
                await db.SaveChangesAsync(ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Policies.Manager).WithSummary("Remove a subscriber.");
    }

    public static async Task<List<ComponentView>> ComponentsAsync(MusterDb db, StatusCache cache, CancellationToken ct)
    {
        var states = (await cache.GetAsync(ct)).Snapshot.Components.ToDictionary(c => c.Id, c => c.State);
        var mappings = (await db.StatusComponentServices.AsNoTracking().ToListAsync(ct)).ToLookup(m => m.ComponentId, m => m.ServiceId);
        return (await db.StatusComponents.AsNoTracking().OrderBy(c => c.Order).ThenBy(c => c.NameEn).ToListAsync(ct))
            .Select(c => new ComponentView(c.Id, c.NameZh, c.NameEn, c.DescriptionZh, c.DescriptionEn, c.Group, c.Order, [.. mappings[c.Id]],
                ComponentStatus.Key(states.TryGetValue(c.Id, out var s) ? s : ComponentState.Operational)))
            .ToList();
    }

    public static async Task<List<PostView>> PostsAsync(MusterDb db, string? id, CancellationToken ct)
    {
        var posts = await db.StatusPosts.AsNoTracking().Where(p => id == null || p.Id == id)
            .OrderByDescending(p => p.CreatedAt).Take(200).ToListAsync(ct);
        var ids = posts.Select(p => p.Id).ToList();
        var updates = (await db.StatusUpdates.AsNoTracking().Where(u => ids.Contains(u.PostId)).ToListAsync(ct)).ToLookup(u => u.PostId);
        var incidentIds = posts.Select(p => p.IncidentId).OfType<string>().ToList();
        var ranks = await db.Incidents.AsNoTracking().Where(i => incidentIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, i => i.SeverityRank, ct);
        return posts.Select(p => new PostView(p.Id, p.Kind, p.IncidentId, p.TitleZh, p.TitleEn, StatusSnapshot.SplitIds(p.ComponentIds), p.StartsAt, p.EndsAt,
                p.CreatedAt, p.ResolvedAt, p.IncidentId is { } i && ranks.TryGetValue(i, out var rank) && StatusPostRules.NeedsApproval(rank),
                [.. updates[p.Id].OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id)
                    .Select(u => new UpdateView(u.Id, u.Status, u.TextZh, u.TextEn, u.State, u.CreatedByName, u.CreatedAt, u.PublishedAt))]))
            .ToList();
    }

    public static async Task<List<SubscriberView>> SubscribersAsync(MusterDb db, CancellationToken ct) =>
        (await db.StatusSubscribers.AsNoTracking().OrderByDescending(s => s.CreatedAt).ToListAsync(ct))
        .Select(s => new SubscriberView(s.Id, s.Kind, s.Address, s.Language, StatusSnapshot.SplitIds(s.ComponentIds), s.ConfirmedAt, s.UnsubscribedAt, s.CreatedAt))
        .ToList();
}

/// <summary>Components, posts and updates: the writes behind the API and the settings page.</summary>
public sealed class StatusAdmin(MusterDb db, PlanCatalog plans, TimeProvider time, StatusCache cache, WorkSignal signal, IStringLocalizer<SharedResource> text,
    IOptions<MusterOptions> options, PublicUrl links)
{
    public const int MaxText = 4000;

    public static async Task<string> SaveComponentAsync(MusterDb db, string? id, ComponentRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct)
    {
        var errors = new Problems.Errors()
            .Text(request.NameZh, "nameZh", 100)
            .Text(request.NameEn, "nameEn", 100)
            .Text(request.DescriptionZh, "descriptionZh", 500, required: false)
            .Text(request.DescriptionEn, "descriptionEn", 500, required: false)
            .Text(request.Group, "group", 100, required: false)
            .Check(request.ServiceIds is { Count: > 0 }, "serviceIds", "serviceIds needs at least one service id (GET /api/v1/services): a component's state comes from its services' incidents.");
        errors.ThrowIfAny();
        var serviceIds = request.ServiceIds!.Distinct().ToList();
        var known = await db.Services.Where(s => serviceIds.Contains(s.Id)).Select(s => s.Id).ToListAsync(ct);
        if (serviceIds.Except(known).FirstOrDefault() is { } unknown)
            throw RequestException.Unprocessable("serviceIds", $"There is no service '{unknown}'; use ids from GET /api/v1/services.");
        var component = id is null ? new StatusComponent { CreatedAt = now } : await db.StatusComponents.FindAsync([id], ct) ?? throw RequestException.NotFound("status component", id);
        var oldServices = id is null ? [] : await db.StatusComponentServices.Where(m => m.ComponentId == id).ToListAsync(ct);
        var before = id is null ? null : new { component.NameZh, component.NameEn, component.DescriptionZh, component.DescriptionEn, component.Group, component.Order, ServiceIds = oldServices.Select(m => m.ServiceId) };
        component.NameZh = request.NameZh!.Trim();
        component.NameEn = request.NameEn!.Trim();
        component.DescriptionZh = Blank(request.DescriptionZh);
        component.DescriptionEn = Blank(request.DescriptionEn);
        component.Group = Blank(request.Group);
        component.Order = request.Order;
        component.UpdatedAt = now;
        if (id is null)
            db.StatusComponents.Add(component);
        db.StatusComponentServices.RemoveRange(oldServices.Where(m => !serviceIds.Contains(m.ServiceId)));
        foreach (var serviceId in serviceIds.Where(s => oldServices.All(m => m.ServiceId != s)))
            db.StatusComponentServices.Add(new StatusComponentService { ComponentId = component.Id, ServiceId = serviceId });
        db.Record(user, id is null ? "status.component.created" : "status.component.updated", "status-component", component.Id, before,
            new { component.NameZh, component.NameEn, component.DescriptionZh, component.DescriptionEn, component.Group, component.Order, ServiceIds = serviceIds }, now);
        await StatusCache.BumpAsync(db, ct);
        await db.SaveChangesAsync(ct);
        return component.Id;
    }

    public static async Task DeleteComponentAsync(MusterDb db, string id, ClaimsPrincipal? user, DateTime now, CancellationToken ct)
    {
        var component = await db.StatusComponents.FindAsync([id], ct) ?? throw RequestException.NotFound("status component", id);
        db.StatusComponents.Remove(component);
        db.Record(user, "status.component.deleted", "status-component", id, new { component.NameZh, component.NameEn }, null, now);
        await StatusCache.BumpAsync(db, ct);
        await db.SaveChangesAsync(ct);
    }

    public async Task<string> CreateIncidentPostAsync(PostRequest request, ClaimsPrincipal user, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var errors = new Problems.Errors()
            .Text(request.IncidentId, "incidentId", 64)
            .Text(request.TitleZh, "titleZh", 200, required: false)
            .Text(request.TitleEn, "titleEn", 200, required: false)
            .Text(request.TextZh, "textZh", MaxText, required: false)
            .Text(request.TextEn, "textEn", MaxText, required: false)
            .Check(request.Status is null || StatusPostRules.Statuses.Contains(request.Status), "status",
                $"status must be one of {string.Join(", ", StatusPostRules.Statuses)}.");
        errors.ThrowIfAny();
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == request.IncidentId, ct)
            ?? throw RequestException.Unprocessable("incidentId", $"There is no incident '{request.IncidentId}'; use an id from GET /api/v1/incidents.");
        if (await db.StatusPosts.AnyAsync(p => p.IncidentId == incident.Id, ct))
            throw RequestException.Conflict("incidentId", $"{incident.Reference} has a status post already; add an update to it instead.");
        var componentIds = request.ComponentIds is { Count: > 0 }
            ? await CheckComponentsAsync(request.ComponentIds, ct)
            : await db.StatusComponentServices.Where(m => m.ServiceId == incident.ServiceId).Select(m => m.ComponentId).ToListAsync(ct);
        var post = new StatusPost
        {
            Kind = StatusKinds.Incident,
            IncidentId = incident.Id,
            TitleZh = Blank(request.TitleZh) ?? Blank(request.TitleEn) ?? incident.Title,
            TitleEn = Blank(request.TitleEn) ?? Blank(request.TitleZh) ?? incident.Title,
            ComponentIds = string.Join(',', componentIds),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.StatusPosts.Add(post);
        db.Record(user, "status.post.created", "status-post", post.Id, null, new { post.IncidentId, post.TitleZh, post.TitleEn, post.ComponentIds }, now);
        await AddUpdateAsync(post, incident, new UpdateRequest(request.Status ?? "investigating", request.TextZh, request.TextEn), user, now, ct);
        return post.Id;
    }

    public async Task<string> CreateMaintenanceAsync(MaintenanceRequest request, ClaimsPrincipal user, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var errors = new Problems.Errors()
            .Text(request.TitleZh, "titleZh", 200)
            .Text(request.TitleEn, "titleEn", 200)
            .Text(request.TextZh, "textZh", MaxText, required: false)
            .Text(request.TextEn, "textEn", MaxText, required: false)
            .Check(request.StartsAt is not null, "startsAt", "startsAt is required, as an ISO 8601 time such as 2026-03-12T18:00:00Z.")
            .Check(request.EndsAt is not null, "endsAt", "endsAt is required, as an ISO 8601 time such as 2026-03-12T20:00:00Z.")
            .Check(request.StartsAt is null || request.EndsAt is null || request.EndsAt > request.StartsAt, "endsAt", "endsAt must be after startsAt.")
            .Check(request.EndsAt is null || request.EndsAt > now, "endsAt", "endsAt is in the past; a maintenance post announces work to come or under way.")
            .Check(request.ComponentIds is { Count: > 0 }, "componentIds", "componentIds needs at least one component id (GET /api/v1/status/components).");
        errors.ThrowIfAny();
        var componentIds = await CheckComponentsAsync(request.ComponentIds!, ct);
        var startsAt = request.StartsAt!.Value.ToUniversalTime();
        var endsAt = request.EndsAt!.Value.ToUniversalTime();
        var post = new StatusPost
        {
            Kind = StatusKinds.Maintenance,
            TitleZh = request.TitleZh!.Trim(),
            TitleEn = request.TitleEn!.Trim(),
            ComponentIds = string.Join(',', componentIds),
            StartsAt = startsAt,
            EndsAt = endsAt,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.StatusPosts.Add(post);
        db.Record(user, "status.maintenance.created", "status-post", post.Id, null, new { post.TitleZh, post.TitleEn, post.ComponentIds, post.StartsAt, post.EndsAt }, now);
        var zone = options.Value.Zone;
        var window = $"{Components.Time.Format(startsAt, zone)} – {Components.Time.Format(endsAt, zone)}";
        await AddUpdateAsync(post, null, new UpdateRequest("scheduled",
            Blank(request.TextZh) ?? StatusText.Get(text, "zh-CN", "statuspage.template.maintenance", window),
            Blank(request.TextEn) ?? StatusText.Get(text, "en", "statuspage.template.maintenance", window)), user, now, ct);
        return post.Id;
    }

    public async Task AddUpdateAsync(string postId, UpdateRequest request, ClaimsPrincipal user, CancellationToken ct)
    {
        var post = await db.StatusPosts.FindAsync([postId], ct) ?? throw RequestException.NotFound("status post", postId);
        var incident = post.IncidentId is null ? null : await db.Incidents.FirstOrDefaultAsync(i => i.Id == post.IncidentId, ct);
        await AddUpdateAsync(post, incident, request, user, time.GetUtcNow().UtcDateTime, ct);
    }

    private async Task AddUpdateAsync(StatusPost post, Incident? incident, UpdateRequest request, ClaimsPrincipal user, DateTime now, CancellationToken ct)
    {
        var statuses = post.Kind == StatusKinds.Maintenance ? StatusPostRules.MaintenanceStatuses : StatusPostRules.Statuses;
        var errors = new Problems.Errors()
            .Check(request.Status is not null && statuses.Contains(request.Status), "status", $"status must be one of {string.Join(", ", statuses)}.")
            .Text(request.TextZh, "textZh", MaxText, required: false)
            .Text(request.TextEn, "textEn", MaxText, required: false);
        errors.ThrowIfAny();
        var status = request.Status!;
        if (incident is not null && !await Drills.DrillActions.CustomerMessagesAllowedAsync(db, incident.Id, ct))
            throw RequestException.Conflict("incidentId", $"{incident.Reference} is a drill whose scenario does not allow customer messages: the status page is not told. " +
                "Allow them on the drill scenario (customerMessages: true) to rehearse status posts for real.");
        var (zh, en) = (Blank(request.TextZh), Blank(request.TextEn));
        if (zh is null || en is null)
        {
            if (incident is null)
                throw RequestException.Invalid(zh is null ? "textZh" : "textEn", "A maintenance update needs its text in both languages (textZh and textEn).");
            var (templateZh, templateEn) = await FromTemplateAsync(incident, post, status, ct);
            zh ??= templateZh;
            en ??= templateEn;
        }
        var actor = user.Actor();
        var needsApproval = incident is not null && StatusPostRules.NeedsApproval(incident.SeverityRank) && !(await ApproversAsync(incident, ct)).May(user);
        var update = new StatusUpdate
        {
            PostId = post.Id,
            Status = status,
            TextZh = zh,
            TextEn = en,
            State = needsApproval ? StatusStates.Pending : StatusStates.Published,
            CreatedBy = actor.Id,
            CreatedByName = actor.Name,
            CreatedAt = now,
        };
        db.StatusUpdates.Add(update);
        post.UpdatedAt = now;
        db.Record(user, "status.update.created", "status-update", update.Id, null, new { update.PostId, update.Status, update.TextZh, update.TextEn, update.State }, now);
        if (!needsApproval)
            await PublishAsync(post, update, incident, actor, now, ct);
        else
            incident!.RecordStatusPending(status, zh, actor, now);
        await SaveAsync(incident, ct);
        cache.Invalidate();
        signal.Notify();
    }

    /// <summary>Approves or rejects a pending update; returns its post's id.</summary>
    /// <remarks>
    /// Managers and administrators may decide, and so may whoever holds the incident's plan's
    /// approver role (<c>communication.approver</c>, such as comms) on that incident; anyone else
    /// gets a 403 naming who may. A rejection is on the timeline too; an approval's publication is.
    /// </remarks>
    public async Task<string> DecideAsync(string updateId, bool approve, ClaimsPrincipal user, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var update = await db.StatusUpdates.FindAsync([updateId], ct) ?? throw RequestException.NotFound("status update", updateId);
        var post = await db.StatusPosts.FirstAsync(p => p.Id == update.PostId, ct);
        var incident = post.IncidentId is null ? null : await db.Incidents.FirstOrDefaultAsync(i => i.Id == post.IncidentId, ct);
        var approvers = await ApproversAsync(incident, ct);
        if (!approvers.May(user))
            throw new RequestException(StatusCodes.Status403Forbidden, "Only an approver may approve or reject this update.",
                new Dictionary<string, string[]> { ["id"] = [approvers.Who()] });
        if (update.State != StatusStates.Pending)
            throw RequestException.Conflict("state", $"The update is {update.State} already; only a pending update can be approved or rejected.");
        update.DecidedBy = user.Actor().Name;
        update.State = approve ? StatusStates.Published : StatusStates.Rejected;
        db.Record(user, approve ? "status.update.approved" : "status.update.rejected", "status-update", update.Id,
            new { State = StatusStates.Pending }, new { update.State, post.IncidentId }, now);
        if (approve)
            await PublishAsync(post, update, incident, user.Actor(), now, ct);
        else
            incident?.RecordStatusRejected(update.Status, update.TextZh, user.Actor(), now);
        await SaveAsync(incident, ct);
        cache.Invalidate();
        signal.Notify();
        return post.Id;
    }

    /// <summary>
    /// Who may approve an incident's status updates: managers and administrators, and the people
    /// holding its plan's approver role on it.
    /// </summary>
    public async Task<StatusApprovers> ApproversAsync(Incident? incident, CancellationToken ct)
    {
        if (incident is null)
            return new StatusApprovers(null, null, []);
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var roleKey = plan.Communication?.Approver;
        if (roleKey is null)
            return new StatusApprovers(null, null, []);
        var holders = await db.IncidentRoles.AsNoTracking().Where(r => r.IncidentId == incident.Id && r.RoleKey == roleKey)
            .Join(db.People.AsNoTracking(), r => r.PersonId, p => p.Id, (r, p) => new { p.Id, p.DisplayName }).ToListAsync(ct);
        return new StatusApprovers(roleKey, plan.FindRole(roleKey)?.Name, holders.Select(h => (h.Id, h.DisplayName)).ToList());
    }

    /// <summary>
    /// Saves; when paging or a clock changed the incident meanwhile (its concurrency token), takes
    /// their version and saves again: the timeline entry is a row of its own and is kept.
    /// </summary>
    private async Task SaveAsync(Incident? incident, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException) when (incident is not null && attempt < 4)
            {
                await db.Entry(incident).ReloadAsync(ct);
            }
        }
    }

    private async Task PublishAsync(StatusPost post, StatusUpdate update, Incident? incident, Actor by, DateTime now, CancellationToken ct)
    {
        update.State = StatusStates.Published;
        update.PublishedAt = now;
        post.UpdatedAt = now;
        if (update.Status is "resolved" or "completed")
            post.ResolvedAt = now;
        else
            post.ResolvedAt = null;
        incident?.RecordStatusUpdate(update.Status, update.TextZh, by, now);
        if (incident is not null)
            await Room.CustomerMessages.PublishedAsync(db, plans, incident.Id, update.Id, now, ct);
        await StatusCache.BumpAsync(db, ct);
        // Subscribers are told through the durable queue: a restart between here and the send loses nothing.
        await db.ScheduleAsync(StatusNotifyWork.KindName, $"status-notify:{update.Id}", now, update.Id, now, ct);
    }

    private async Task<(string Zh, string En)> FromTemplateAsync(Incident incident, StatusPost post, string status, CancellationToken ct)
    {
        var plan = await plans.GetAsync(db, incident.PlanVersionId, ct);
        var name = status switch
        {
            "identified" => PlanTemplates.StatusIdentified,
            "monitoring" => PlanTemplates.StatusMonitoring,
            "resolved" => PlanTemplates.StatusResolved,
            _ => PlanTemplates.StatusInvestigating,
        };
        var service = await db.Services.Where(s => s.Id == incident.ServiceId).Select(s => s.Name).FirstOrDefaultAsync(ct) ?? "";
        var level = plan.Levels.FirstOrDefault(l => l.Key == incident.SeverityLevel);
        var zone = options.Value.Zone;
        string Render(string culture)
        {
            var template = plan.Templates.TryGetValue(name, out var own) ? own.In(culture) : StatusText.Get(text, culture, $"statuspage.template.{status}");
            var zh = culture.StartsWith("zh", StringComparison.Ordinal);
            return PlanTemplates.Render(template, new Dictionary<string, string?>
            {
                ["reference"] = incident.Reference,
                ["title"] = zh ? post.TitleZh : post.TitleEn,
                ["service"] = service,
                ["level"] = incident.SeverityLevel,
                ["levelName"] = level?.Name.In(culture) ?? incident.SeverityLevel,
                ["status"] = StatusText.Get(text, culture, $"statuspage.update.{status}"),
                ["startedAt"] = Components.Time.Format(incident.StartedAt, zone),
                ["declaredAt"] = Components.Time.Format(incident.DeclaredAt, zone),
                ["affectedUsers"] = incident.Impact.AffectedUsers?.ToString(CultureInfo.InvariantCulture),
                ["statusUrl"] = links.To($"/status/incidents/{post.Id}"),
                ["plan"] = plan.Name.In(culture),
                ["now"] = Components.Time.Format(time.GetUtcNow().UtcDateTime, zone),
            }).Trim();
        }
        return (Render("zh-CN"), Render("en"));
    }

    private async Task<List<string>> CheckComponentsAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        var wanted = ids.Distinct().ToList();
        var known = await db.StatusComponents.Where(c => wanted.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
        if (wanted.Except(known).FirstOrDefault() is { } unknown)
            throw RequestException.Unprocessable("componentIds", $"There is no status component '{unknown}'; use ids from GET /api/v1/status/components.");
        return wanted;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>Who may approve an incident's status updates: managers, administrators, and the holders of the plan's approver role.</summary>
public sealed record StatusApprovers(string? RoleKey, LocalizedText? RoleName, IReadOnlyList<(string Id, string Name)> Holders)
{
    public bool May(ClaimsPrincipal user) =>
        user.IsAtLeast(Role.Manager) || (user.IsAtLeast(Role.Responder) && user.Actor().Id is { } id && Holders.Any(h => h.Id == id));

    public bool May(string? personId) => personId is not null && Holders.Any(h => h.Id == personId);

    /// <summary>Who may decide, for a 403's detail.</summary>
    public string Who()
    {
        if (RoleKey is null)
            return "Managers and administrators approve status updates for levels 1 and 2; the incident's plan names no approver role (communication.approver).";
        var role = $"the {RoleName?.En ?? RoleKey} role ({RoleKey})";
        return Holders.Count == 0
            ? $"Managers and administrators, or whoever holds {role} on this incident: nobody holds it now; assign it in the incident room."
            : $"Managers and administrators, or whoever holds {role} on this incident: {string.Join(", ", Holders.Select(h => h.Name))}.";
    }
}

/// <summary>Strings in a given language, whatever the request's.</summary>
public static class StatusText
{
    public static string Get(IStringLocalizer text, string culture, string key, params object[] args)
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? "zh-CN" : "en");
        try
        {
            return args.Length == 0 ? text[key] : text[key, args];
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
