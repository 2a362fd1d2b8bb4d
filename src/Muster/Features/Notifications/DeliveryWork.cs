using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Features.Notifications.Channels;
using Muster.Infrastructure;

namespace Muster.Features.Notifications;

/// <summary>
/// Sends queued messages, whatever feature wrote them: the one place that picks the channel, the
/// one SMTP client, the one retry policy, and the one record of what was sent (the message's row).
/// What a message says comes from the <see cref="IMessageKind"/> registered for its kind.
/// Messages go in batches (docs/decisions/0019-deliveries-in-batches.md): a batch is read in a few
/// queries, its sends overlap (bounded by <see cref="SendLimits"/>), and their outcomes are recorded
/// in one commit, so ten thousand messages due at once cost a few dozen commits, not ten thousand.
/// Idempotent: a message is sent before it is recorded, a message recorded sent is never sent
/// again, and its id is the idempotency key the channels pass on, so a retry after a crash is the
/// same message. About one message a minute reaches a contact method; pages that come in between
/// are bundled into the next.
/// </summary>
public sealed class DeliveryWork(IServiceScopeFactory scopes, MusterDb db, IOptions<MusterOptions> options) : IManyWorkHandler
{
    public static readonly TimeSpan Throttle = TimeSpan.FromMinutes(1);
    public const int MaxAttempts = 5;

    /// <summary>How many batches of one claim run side by side: reading and rendering use both cores while others wait on answers.</summary>
    public const int Batches = 4;

    /// <summary>
    /// The most messages in one batch (<c>Muster:Work:BatchSize</c> when smaller): a batch is recorded
    /// when its slowest send answers, and a crash before that sends it again, so a batch stays small
    /// enough to record within a fraction of a second; a commit per 250 messages is still few.
    /// </summary>
    public const int MaxBatch = 250;

    public string Kind => Outbox.DeliverWork;

    public async Task HandleAsync(IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        var size = Math.Clamp(options.Value.Work.BatchSize, 1, MaxBatch);
        if (items.Count <= size)
        {
            await RunBatchAsync(items, ct);
            return;
        }
        // The messages of one recipient (a contact method, a group channel, an address) stay in one
        // batch, so that the throttle and the bundling of its pages see all of them at once.
        var ids = items.Select(i => i.Payload ?? "").Distinct().ToList();
        var routes = await db.Notifications.AsNoTracking().Where(n => ids.Contains(n.Id))
            .Select(n => new { n.Id, Route = n.ContactMethodId ?? n.ChannelId ?? n.Address ?? n.Id })
            .ToDictionaryAsync(n => n.Id, n => n.Route, ct);
        var batches = new List<List<WorkItem>>();
        var current = new List<WorkItem>();
        foreach (var recipient in items.GroupBy(i => routes.GetValueOrDefault(i.Payload ?? "") ?? i.Key))
        {
            if (current.Count > 0 && current.Count + recipient.Count() > size)
            {
                batches.Add(current);
                current = [];
            }
            current.AddRange(recipient);
        }
        if (current.Count > 0)
            batches.Add(current);
        // A batch that fails does not stop the others: the runner then runs the items one at a time
        // (a recorded item finds its message no longer queued, and is only removed).
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = Batches, CancellationToken = ct }, async (batch, token) =>
        {
            try
            {
                await RunBatchAsync(batch, token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                failures.Add(e);
            }
        });
        if (!failures.IsEmpty)
            throw new AggregateException("A batch of deliveries failed.", failures);
    }

    private async Task RunBatchAsync(IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        // Each batch has a DbContext of its own: it reads and renders while other batches send.
        await using var scope = scopes.CreateAsyncScope();
        await ActivatorUtilities.CreateInstance<DeliveryBatch>(scope.ServiceProvider).RunAsync(items, ct);
    }
}

/// <summary>
/// How many sends are on their way at once: most of a message's time is the vendor's answer, so a
/// batch sends many together, but no more than a vendor should see from one sender. Email opens an
/// SMTP connection a message, and carrier APIs (SMS, voice) rate-limit per account, so they get
/// fewer; webhooks and chat robots more. A vendor that still says "too fast" gets its Retry-After.
/// </summary>
public sealed class SendLimits : IDisposable
{
    public const int Total = 128;

    private readonly SemaphoreSlim total = new(Total);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> lanes = new();

    public static int For(string channelType) => channelType switch
    {
        "email" => 4,
        _ when ContactTypes.ChannelTypesFor("sms").Contains(channelType) || ContactTypes.ChannelTypesFor("voice").Contains(channelType) => 16,
        _ => 64,
    };

    public async Task<IDisposable> EnterAsync(string channelType, CancellationToken ct)
    {
        var lane = lanes.GetOrAdd(channelType, t => new SemaphoreSlim(For(t)));
        await lane.WaitAsync(ct);
        try
        {
            await total.WaitAsync(ct);
        }
        catch
        {
            lane.Release();
            throw;
        }
        return new Slot(lane, total);
    }

    public void Dispose()
    {
        total.Dispose();
        foreach (var lane in lanes.Values)
            lane.Dispose();
    }

    private sealed class Slot(SemaphoreSlim lane, SemaphoreSlim total) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 1)
                return;
            total.Release();
            lane.Release();
        }
    }
}

/// <summary>
/// One batch of deliveries: read in a few queries, rendered one by one in its own DbContext while
/// the sends already started go out side by side, then every outcome (the message rows, the
/// features' <see cref="IMessageKind.DoneAsync"/>, the removal or rescheduling of the work items)
/// recorded in one transaction. The sends happen before that commit: a crash in between sends again
/// with the same idempotency key, and loses nothing.
/// </summary>
public sealed class DeliveryBatch(MusterDb db, NotificationChannels channels, IEnumerable<IMessageKind> kinds, TimeProvider time,
    IConfiguration configuration, PublicUrl links, IHttpClientFactory httpFactory, SendLimits limits, WriteTransactions transactions,
    ILogger<DeliveryWork> logger)
{
    /// <summary>How often a batch's record that lost a race for an incident is written again on the incident as it is then.</summary>
    private const int RecordAttempts = 5;

    private static readonly string[] Final = [nameof(Notification.Status), nameof(Notification.Detail), nameof(Notification.Attempts), nameof(Notification.SentAt), nameof(Notification.ProviderId)];
    private static readonly string[] Tried = [nameof(Notification.Attempts), nameof(Notification.Detail)];
    private static readonly string[] Rescheduled = [nameof(WorkItem.DueAt), nameof(WorkItem.LeaseOwner), nameof(WorkItem.LeaseUntil), nameof(WorkItem.Attempts), nameof(WorkItem.LastError)];

    /// <summary>What becomes of one work item of the batch.</summary>
    private sealed class Job(WorkItem item, Notification? notification)
    {
        public WorkItem Item => item;

        /// <summary>The message, while it is queued; null when it is gone or already final (the item is only removed).</summary>
        public Notification? Notification => notification;

        public IMessageKind? Writer { get; set; }
        public ContactMethod? Method { get; set; }
        public Person? Person { get; set; }
        public Incident? Incident { get; set; }
        public MessageContext? Context { get; set; }

        /// <summary>Pages to the same contact method that go out inside this one.</summary>
        public IReadOnlyList<Notification> Bundled { get; set; } = [];

        /// <summary>The job whose message carries this one's page (it was bundled into it).</summary>
        public Job? Into { get; set; }

        public Task<DeliveryResult?>? Sending { get; set; }

        /// <summary>The message is final (sent, failed, cancelled): its row and its feature hear of it.</summary>
        public bool Ended { get; set; }

        /// <summary>Its attempts and detail changed, and it waits for another try.</summary>
        public bool Tried { get; set; }

        /// <summary>The item runs again at this instant (throttled, or retried), instead of being removed.</summary>
        public DateTime? Later { get; set; }

        public Exception? Error { get; set; }

        public void End(string status, string? detail)
        {
            notification!.Status = status;
            notification.Detail = detail;
            Ended = true;
        }
    }

    public async Task RunAsync(IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var now = time.GetUtcNow().UtcDateTime;
        var ids = items.Select(i => i.Payload ?? "").Distinct().ToList();
        var notifications = await db.Notifications.AsNoTracking().Where(n => ids.Contains(n.Id) && n.Status == "queued").ToDictionaryAsync(n => n.Id, ct);
        // One job per queued message: a second item with the same message (none is written so) only goes.
        var jobs = items.Select(i => new Job(i, i.Payload is { } id && notifications.Remove(id, out var n) ? n : null)).ToList();
        var live = jobs.Where(j => j.Notification is not null)
            .OrderBy(j => j.Notification!.DueAt).ThenBy(j => j.Notification!.CreatedAt).ThenBy(j => j.Notification!.Id).ToList();

        await DecideAsync(live, now, ct);
        var toSend = live.Where(j => j.Context is not null).ToList();
        foreach (var kind in toSend.GroupBy(j => j.Writer!))
            await kind.Key.PrepareAsync([.. kind.Select(j => j.Context!)], ct);
        foreach (var job in toSend)
            await StartAsync(job, ct);
        var sending = toSend.Where(j => j.Sending is not null).ToList();
        await Task.WhenAll(sending.Select(j => j.Sending!));
        var sent = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        foreach (var job in sending)
        {
            if (await job.Sending! is { } result)
                Outcome(job, result, now);
        }
        // Pages bundled into another wait for it: gone with it when it went, tried again with it when it did not.
        foreach (var job in live.Where(j => j.Into is not null))
        {
            if (job.Into!.Notification!.Status != "sent")
                job.Later = job.Into.Later ?? now;
        }
        await RecordAsync(jobs, now, ct);
        logger.LogInformation("Delivered {Count} work items in one commit: {Sent} sent, {Bundled} bundled, {Later} later, {Ended} failed or cancelled, {Errors} errors; sends done after {SendMs:F0} ms, recorded after {Ms:F0} ms.",
            jobs.Count, live.Count(j => j.Notification!.Status == "sent"), live.Sum(j => j.Notification!.Status == "sent" ? j.Bundled.Count : 0),
            jobs.Count(j => j.Later is not null), live.Count(j => j.Ended && j.Notification!.Status != "sent"), jobs.Count(j => j.Error is not null),
            sent.TotalMilliseconds, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>
    /// Reads what the batch's messages need in a few queries, and decides for each: it ends unsent
    /// (its contact method is gone, the number opted out), waits for the minute of its contact
    /// method, rides in another page, or is rendered and sent (its <see cref="Job.Context"/>).
    /// </summary>
    private async Task DecideAsync(List<Job> live, DateTime now, CancellationToken ct)
    {
        if (live.Count == 0)
            return;
        var messages = live.Select(j => j.Notification!).ToList();
        channelList = await db.NotificationChannels.AsNoTracking().Where(c => c.Enabled).OrderBy(c => c.CreatedAt).ToListAsync(ct);
        var incidentIds = messages.Select(n => n.IncidentId).OfType<string>().Distinct().ToList();
        var personIds = messages.Select(n => n.PersonId).OfType<string>().Distinct().ToList();
        var methodIds = messages.Select(n => n.ContactMethodId).OfType<string>().Distinct().ToList();
        var incidents = incidentIds.Count == 0 ? new Dictionary<string, Incident>() : await db.Incidents.AsNoTracking().Where(i => incidentIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);
        var people = personIds.Count == 0 ? new Dictionary<string, Person>() : await db.People.AsNoTracking().Where(p => personIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var methods = methodIds.Count == 0 ? new Dictionary<string, ContactMethod>() : await db.ContactMethods.AsNoTracking().Where(m => methodIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, ct);
        var bare = messages.Where(n => n.ContactMethodId is null && n.PersonId is null && n.Type is "sms" or "voice" && n.Address is not null).Select(n => n.Address!).Distinct().ToList();
        var optedOut = bare.Count == 0 ? new HashSet<string>() : await SmsReplies.OptedOutAsync(db, bare, ct);

        // About one message a minute per contact method: when each last had one, pages among pages
        // and every other kind among its like, so a page never waits behind a reminder.
        var pageKinds = kinds.Where(k => k.Pages).SelectMany(k => k.Kinds).ToList();
        var liveMethods = methods.Values.Where(m => m.StoppedAt is null).Select(m => m.Id).ToList();
        var lastPage = new Dictionary<string, DateTime?>();
        var lastOther = new Dictionary<string, DateTime?>();
        var queuedPages = new Dictionary<string, List<Notification>>();
        if (liveMethods.Count > 0)
        {
            lastPage = await db.Notifications.Where(n => n.ContactMethodId != null && liveMethods.Contains(n.ContactMethodId) && n.SentAt != null && pageKinds.Contains(n.Kind))
                .GroupBy(n => n.ContactMethodId!).Select(g => new { g.Key, Last = g.Max(n => n.SentAt) }).ToDictionaryAsync(g => g.Key, g => g.Last, ct);
            lastOther = await db.Notifications.Where(n => n.ContactMethodId != null && liveMethods.Contains(n.ContactMethodId) && n.SentAt != null && !pageKinds.Contains(n.Kind))
                .GroupBy(n => n.ContactMethodId!).Select(g => new { g.Key, Last = g.Max(n => n.SentAt) }).ToDictionaryAsync(g => g.Key, g => g.Last, ct);
            queuedPages = (await db.Notifications.AsNoTracking()
                    .Where(n => n.ContactMethodId != null && liveMethods.Contains(n.ContactMethodId) && n.Status == "queued" && n.DueAt <= now && pageKinds.Contains(n.Kind))
                    .ToListAsync(ct))
                .GroupBy(n => n.ContactMethodId!).ToDictionary(g => g.Key, g => g.ToList());
        }

        // A group has no language of its own, nor an address: most readers are in China.
        var baseUrl = links.Base;
        var leads = new Dictionary<(string Method, bool Page), Job>();
        foreach (var job in live)
        {
            var notification = job.Notification!;
            var writer = kinds.FirstOrDefault(k => k.Kinds.Contains(notification.Kind));
            if (writer is null)
            {
                // A kind nothing writes any more (its feature was removed): say so rather than retry for ever.
                job.End("failed", $"no feature writes messages of kind '{notification.Kind}'");
                continue;
            }
            job.Writer = writer;
            job.Incident = notification.IncidentId is null ? null : incidents.GetValueOrDefault(notification.IncidentId);
            job.Person = notification.PersonId is null ? null : people.GetValueOrDefault(notification.PersonId);
            if (notification.ContactMethodId is not null || notification.PersonId is not null)
            {
                var method = notification.ContactMethodId is null ? null : methods.GetValueOrDefault(notification.ContactMethodId);
                if (method is null || job.Person is null || method.StoppedAt is not null)
                {
                    job.End("failed", method?.StoppedReason is { } why ? $"stopped: {why}" : "the contact method no longer exists");
                    continue;
                }
                job.Method = method;
                var isPage = writer.Pages;
                if (leads.TryGetValue((method.Id, isPage), out var lead) && writer.Throttled)
                {
                    // Another message of its like goes to this contact method now: a page rides in it,
                    // anything else waits for the minute after it.
                    if (isPage && lead.Bundled.Any(b => b.Id == notification.Id))
                        job.Into = lead;
                    else
                        job.Later = now + DeliveryWork.Throttle;
                    continue;
                }
                var last = (isPage ? lastPage : lastOther).GetValueOrDefault(method.Id);
                if (last is { } at && now - at < DeliveryWork.Throttle && writer.Throttled)
                {
                    job.Later = at + DeliveryWork.Throttle;
                    continue;
                }
                if (isPage)
                    job.Bundled = queuedPages.GetValueOrDefault(method.Id)?.Where(n => n.Id != notification.Id).ToList() ?? [];
                leads.TryAdd((method.Id, isPage), job);
            }
            else if (notification.Address is { } address && notification.Type is "sms" or "voice" && optedOut.Contains(address))
            {
                // 退订 binds every message to the number, whoever wrote it: carriers in China require it.
                job.End("cancelled", "the number replied 退订 (opted out)");
                continue;
            }
            var culture = CultureInfo.GetCultureInfo(job.Person?.Language is "en" ? "en" : "zh-CN");
            job.Context = new MessageContext(notification, job.Incident, job.Person, job.Bundled, culture, baseUrl, now);
        }
    }

    /// <summary>Renders the message and starts its send; the batch does not wait for the answer before rendering the next.</summary>
    private async Task StartAsync(Job job, CancellationToken ct)
    {
        var context = job.Context!;
        Rendered rendered;
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = context.Culture;
        try
        {
            rendered = await job.Writer!.RenderAsync(context, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            job.Error = e;
            return;
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
        if (rendered.Message is not { } message)
        {
            job.End("cancelled", rendered.Cancelled ?? "nothing to send");
            return;
        }
        job.Sending = GuardedAsync(job, rendered, message, ct);
    }

    /// <summary>A send that throws (rather than answering Retry or Failed) is an error of its item alone, which backs off by itself.</summary>
    private async Task<DeliveryResult?> GuardedAsync(Job job, Rendered rendered, OutgoingMessage message, CancellationToken ct)
    {
        try
        {
            return await SendAsync(job, rendered, message, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            job.Error = e;
            return null;
        }
    }

    /// <summary>What the answer makes of the message: sent (with the pages it carried), tried again later, or failed.</summary>
    private static void Outcome(Job job, DeliveryResult result, DateTime now)
    {
        var notification = job.Notification!;
        notification.Attempts++;
        switch (result.Status)
        {
            case DeliveryStatus.Sent:
                job.End("sent", result.Detail);
                notification.SentAt = now;
                notification.ProviderId = result.ProviderId;
                foreach (var other in job.Bundled)
                {
                    other.Status = "bundled";
                    other.Detail = $"sent together with {notification.Id}";
                    other.SentAt = now;
                }
                break;
            case DeliveryStatus.RateLimited or DeliveryStatus.Retry when notification.Attempts < DeliveryWork.MaxAttempts:
                // The one retry policy: the vendor's Retry-After, else 15 s doubling, up to five attempts.
                notification.Detail = result.Detail;
                job.Tried = true;
                job.Later = now + (result.RetryAfter ?? TimeSpan.FromSeconds(15 * Math.Pow(2, notification.Attempts - 1)));
                break;
            default:
                job.End("failed", result.Detail ?? result.Status.ToString());
                break;
        }
    }

    /// <summary>
    /// Every outcome of the batch in one transaction: the message rows, what each feature keeps of
    /// its messages' ends, the removal of the finished items (and of the pages bundled into others),
    /// and the rescheduling of the rest. When an item is already gone (an acknowledgement cancelled
    /// it while the message was on its way), the record still says what happened: it was sent.
    /// </summary>
    private async Task RecordAsync(List<Job> jobs, DateTime now, CancellationToken ct)
    {
        var ended = jobs.Where(j => j.Ended).ToList();
        var final = ended.Select(j => j.Notification!).Concat(ended.SelectMany(j => j.Bundled.Where(b => b.Status == "bundled"))).ToList();
        var tried = jobs.Where(j => j.Tried).Select(j => j.Notification!).ToList();
        var inBatch = jobs.Select(j => j.Item.Id).ToHashSet();
        var bundledKeys = ended.SelectMany(j => j.Bundled.Where(b => b.Status == "bundled")).Select(b => Outbox.DeliverKey(b.Id)).ToList();
        var rescheduled = new List<WorkItem>();
        foreach (var job in jobs)
        {
            if (job.Error is { } error)
            {
                var retryAt = now + WorkRunner.Backoff(job.Item.Attempts);
                logger.LogWarning(error, "Work {Kind} {Key} failed (attempt {Attempt}); retrying at {RetryAt:O}.", job.Item.Kind, job.Item.Key, job.Item.Attempts, retryAt);
                MusterMetrics.WorkFailed(job.Item.Kind);
                rescheduled.Add(new WorkItem { Id = job.Item.Id, DueAt = retryAt < job.Item.DueAt ? job.Item.DueAt : retryAt, Attempts = job.Item.Attempts, LastError = error.Message });
            }
            else if (job.Later is { } at)
                rescheduled.Add(new WorkItem { Id = job.Item.Id, DueAt = at, Attempts = 0, LastError = job.Item.LastError });
        }
        var removed = jobs.Where(j => j.Error is null && j.Later is null).Select(j => j.Item.Id).ToList();

        await transactions.RunAsync(db, async () =>
        {
            await db.UpdateManyAsync(final, Final, ct);
            await db.UpdateManyAsync(tried, Tried, ct);
            for (var attempt = 1; ; attempt++)
            {
                foreach (var job in ended.Where(j => j.Writer is not null))
                    await job.Writer!.DoneAsync(job.Notification!, ct);
                try
                {
                    await db.SaveChangesAsync(ct);
                    break;
                }
                catch (DbUpdateConcurrencyException e) when (attempt < RecordAttempts && e.Entries.All(x => x.Entity is Incident))
                {
                    // An acknowledgement or a page moved an incident meanwhile: forget what the kinds wrote
                    // on incidents and write it again on them as they are now, rather than fail the batch
                    // and send its messages twice.
                    foreach (var entry in db.ChangeTracker.Entries().Where(x => x.Entity is Incident || (x.Entity is TimelineEntry && x.State == EntityState.Added)).ToList())
                        entry.State = EntityState.Detached;
                    MusterMetrics.ConflictRetried();
                }
            }
            if (removed.Count > 0)
                await db.WorkItems.Where(w => removed.Contains(w.Id)).ExecuteDeleteAsync(ct);
            if (bundledKeys.Count > 0)
                await db.WorkItems.Where(w => bundledKeys.Contains(w.Key) && !inBatch.Contains(w.Id)).ExecuteDeleteAsync(ct);
            await db.UpdateManyAsync(rescheduled, Rescheduled, ct);
        }, ct);
        foreach (var job in jobs)
            job.Item.LeaseOwner = null;
        foreach (var job in ended.Where(j => j.Notification!.Status != "sent"))
            logger.LogInformation("Notification {Id} ({Kind}) by {Type}: {Status} ({Detail}).", job.Notification!.Id, job.Notification.Kind, job.Notification.Type,
                job.Notification.Status, job.Notification.Detail);
    }

    /// <summary>
    /// Picks the channel for the message's recipient (a contact method, a group channel, or a bare
    /// address) and sends, once a place among the sends in flight is free (<see cref="SendLimits"/>).
    /// </summary>
    private async Task<DeliveryResult> SendAsync(Job job, Rendered rendered, OutgoingMessage message, CancellationToken ct)
    {
        // Read before the first await: the batch's DbContext is rendering the next message meanwhile.
        var (notification, method) = (job.Notification!, job.Method);
        var enabled = channelList;
        if (method is null && notification.ChannelId is not null)
        {
            var group = enabled.FirstOrDefault(c => c.Id == notification.ChannelId);
            if (group is null)
                return DeliveryResult.Failed("the channel was removed or turned off");
            using (await limits.EnterAsync(group.Type, ct))
                return await channels.SendAsync(group.Type, group.Settings, rendered.Recipient ?? Recipient.Group, message, ct);
        }
        var type = method?.Type ?? notification.Type;
        var address = method?.Address ?? notification.Address;
        if (address is null)
            return DeliveryResult.Failed("no address: it was purged with the reports' contact details");
        if (type == "email")
        {
            var smtp = SmtpSettings.FromConfiguration(configuration);
            if (string.IsNullOrWhiteSpace(smtp.Host))
                return DeliveryResult.Failed("email is not set up: set Muster__Smtp__Host and Muster__Smtp__From");
            var problems = smtp.Problems().ToList();
            if (problems.Count > 0)
                return DeliveryResult.Failed($"email settings (Muster__Smtp__…): {string.Join("; ", problems)}");
            using (await limits.EnterAsync("email", ct))
                return await new EmailChannel(time).SendAsync(smtp, new Recipient(Email: address), message, ct);
        }
        if (method is null && type == "webhook")
        {
            using (await limits.EnterAsync("webhook", ct))
                return await new JsonPostChannel(httpFactory.CreateClient(NotificationChannels.HttpClientName), time)
                    .SendAsync(address, rendered.Document ?? message, message.IdempotencyKey, ct);
        }
        var compatible = ContactTypes.ChannelTypesFor(type);
        var channelId = method?.ChannelId;
        var channel = enabled.FirstOrDefault(c => channelId != null ? c.Id == channelId : compatible.Contains(c.Type));
        if (channel is null)
            return DeliveryResult.Failed($"no enabled channel carries {type}: an administrator adds one under Channels");
        var recipient = type switch
        {
            "sms" or "voice" => new Recipient(Phone: address),
            "dingtalk" or "wecom" => new Recipient(MentionPhones: [address]),
            "feishu" or "slack" => new Recipient(MentionUserIds: [address]),
            _ => Recipient.Group,
        };
        using (await limits.EnterAsync(channel.Type, ct))
            return await channels.SendAsync(channel.Type, channel.Settings, recipient, message, ct);
    }

    /// <summary>The enabled channels, oldest first, read once for the batch (the first that carries a type is used).</summary>
    private List<NotificationChannel> channelList = [];
}

/// <summary>The kinds of contact method, and the channel types that carry each.</summary>
public static class ContactTypes
{
    public static readonly IReadOnlyList<string> All = ["email", "sms", "voice", "dingtalk", "wecom", "feishu", "slack", "teams", "webhook"];

    public static IReadOnlyList<string> ChannelTypesFor(string contactType) => contactType switch
    {
        "sms" => ["aliyun-sms", "tencent-sms", "twilio-sms", "http-sms"],
        "voice" => ["aliyun-voice", "tencent-voice", "twilio-voice"],
        "email" => ["email"],
        _ => [contactType],
    };
}
