using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Muster.Domain.Incidents;

namespace Muster.Data;

/// <summary>The one DbContext, for SQLite and PostgreSQL alike.</summary>
public sealed class MusterDb(DbContextOptions<MusterDb> options) : DbContext(options)
{
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<Person> People => Set<Person>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Service> Services => Set<Service>();
    public DbSet<Plan> Plans => Set<Plan>();
    public DbSet<PlanVersion> PlanVersions => Set<PlanVersion>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<TimelineEntry> TimelineEntries => Set<TimelineEntry>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<WorkItem> WorkItems => Set<WorkItem>();
    public DbSet<Counter> Counters => Set<Counter>();
    public DbSet<Setting> Settings => Set<Setting>();
    public DbSet<Integration> Integrations => Set<Integration>();
    public DbSet<AlertEvent> AlertEvents => Set<AlertEvent>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<MaintenanceWindow> MaintenanceWindows => Set<MaintenanceWindow>();
    public DbSet<DeviceType> DeviceTypes => Set<DeviceType>();
    public DbSet<Device> Devices => Set<Device>();
    public DbSet<Report> Reports => Set<Report>();
    public DbSet<ReportPhoto> ReportPhotos => Set<ReportPhoto>();
    public DbSet<ContactMethod> ContactMethods => Set<ContactMethod>();
    public DbSet<NotificationChannel> NotificationChannels => Set<NotificationChannel>();
    public DbSet<Schedule> Schedules => Set<Schedule>();
    public DbSet<ScheduleOverride> ScheduleOverrides => Set<ScheduleOverride>();
    public DbSet<SwapRequest> SwapRequests => Set<SwapRequest>();
    public DbSet<WorkingCalendarRecord> WorkingCalendars => Set<WorkingCalendarRecord>();
    public DbSet<EscalationPolicy> EscalationPolicies => Set<EscalationPolicy>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<StatusComponent> StatusComponents => Set<StatusComponent>();
    public DbSet<StatusComponentService> StatusComponentServices => Set<StatusComponentService>();
    public DbSet<StatusPost> StatusPosts => Set<StatusPost>();
    public DbSet<StatusUpdate> StatusUpdates => Set<StatusUpdate>();
    public DbSet<StatusSubscriber> StatusSubscribers => Set<StatusSubscriber>();
    public DbSet<IncidentRoleAssignment> IncidentRoles => Set<IncidentRoleAssignment>();
    public DbSet<IncidentTask> IncidentTasks => Set<IncidentTask>();
    public DbSet<IncidentMessage> IncidentMessages => Set<IncidentMessage>();
    public DbSet<IncidentLink> IncidentLinks => Set<IncidentLink>();
    public DbSet<PostIncidentReview> Reviews => Set<PostIncidentReview>();
    public DbSet<ActionItem> ActionItems => Set<ActionItem>();
    public DbSet<SurveyInvitation> SurveyInvitations => Set<SurveyInvitation>();
    public DbSet<SurveyResponse> SurveyResponses => Set<SurveyResponse>();
    public DbSet<DrillScenario> DrillScenarios => Set<DrillScenario>();
    public DbSet<DrillRun> DrillRuns => Set<DrillRun>();
    public DbSet<SmsOptOut> SmsOptOuts => Set<SmsOptOut>();

    public bool IsPostgres => Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL";

    /// <summary>
    /// Set by code that already holds the process's SQLite write gate for a whole transaction
    /// (intake's group commit, the correlator), so that its saves do not wait for the gate again.
    /// </summary>
    public bool HoldsWriteGate { get; set; }

    /// <summary>Set while a save waits for, or holds, the write gate on its own behalf.</summary>
    public bool SaveHoldsWriteGate { get; set; }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite hands DateTime back unspecified; every time in Muster is UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var b = modelBuilder;
        b.Entity<Team>(e => e.HasIndex(t => t.Name).IsUnique());
        b.Entity<Person>(e =>
        {
            e.HasIndex(p => p.Email).IsUnique();
            e.HasIndex(p => p.CalendarToken).IsUnique();
            e.HasOne<Team>().WithMany().HasForeignKey(p => p.TeamId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<ApiKey>(e => e.HasIndex(k => k.Prefix).IsUnique());
        b.Entity<Service>(e =>
        {
            e.HasIndex(s => s.Name).IsUnique();
            e.HasOne<Team>().WithMany().HasForeignKey(s => s.TeamId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<Plan>().WithMany().HasForeignKey(s => s.PlanId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<Plan>(e => e.HasIndex(p => p.Key).IsUnique());
        b.Entity<PlanVersion>(e =>
        {
            e.HasIndex(v => new { v.PlanId, v.Version }).IsUnique();
            e.HasOne<Plan>().WithMany().HasForeignKey(v => v.PlanId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Incident>(e =>
        {
            var status = new ValueConverter<IncidentStatus, string>(
                v => v.ToString().ToLowerInvariant(), v => Enum.Parse<IncidentStatus>(v, true));
            e.Property(i => i.Status).HasConversion(status);
            // Two people acting on one incident at once: the second gets a 409 and reloads, rather than overwriting.
            e.Property(i => i.UpdatedAt).IsConcurrencyToken();
            e.Ignore(i => i.Reference);
            e.Ignore(i => i.IsOpen);
            e.Ignore(i => i.RestoredAt);
            e.Ignore(i => i.ClockInput);
            e.ComplexProperty(i => i.Impact);
            e.HasIndex(i => i.Number).IsUnique();
            e.HasIndex(i => i.DeclaredAt);
            e.HasIndex(i => new { i.Status, i.DeclaredAt });
            e.HasIndex(i => new { i.ServiceId, i.DeclaredAt });
            e.HasIndex(i => new { i.SeverityRank, i.DeclaredAt });
            e.HasOne<Service>().WithMany().HasForeignKey(i => i.ServiceId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<PlanVersion>().WithMany().HasForeignKey(i => i.PlanVersionId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(i => i.Timeline).WithOne().HasForeignKey(t => t.IncidentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<TimelineEntry>(e =>
        {
            e.HasIndex(t => new { t.IncidentId, t.At });
            // The reports find reopened incidents from the few reopen entries.
            e.HasIndex(t => new { t.Kind, t.IncidentId });
        });
        b.Entity<AuditEntry>(e => e.HasIndex(a => a.At));
        b.Entity<WorkItem>(e =>
        {
            e.HasIndex(w => w.Key).IsUnique();
            e.HasIndex(w => w.DueAt);
        });
        b.Entity<Integration>(e =>
        {
            e.HasIndex(i => i.Secret).IsUnique();
            e.HasIndex(i => i.ServiceId);
            e.HasOne<Service>().WithMany().HasForeignKey(i => i.ServiceId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<AlertEvent>(e => e.HasIndex(a => a.ProcessedAt));
        b.Entity<Alert>(e =>
        {
            e.HasIndex(a => new { a.IntegrationId, a.DedupKey }).IsUnique();
            e.HasIndex(a => new { a.ServiceId, a.GroupKey });
            e.HasIndex(a => a.IncidentId);
            e.HasOne<Integration>().WithMany().HasForeignKey(a => a.IntegrationId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Incident>().WithMany().HasForeignKey(a => a.IncidentId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<MaintenanceWindow>(e =>
        {
            e.HasIndex(m => new { m.ServiceId, m.EndsAt });
            e.HasIndex(m => m.DeviceId);
            e.HasOne<Service>().WithMany().HasForeignKey(m => m.ServiceId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<DeviceType>(e => e.HasKey(t => t.Key));
        b.Entity<ContactMethod>(e =>
        {
            e.HasIndex(c => c.PersonId);
            e.HasOne<Person>().WithMany().HasForeignKey(c => c.PersonId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ScheduleOverride>(e =>
        {
            e.HasIndex(o => new { o.ScheduleId, o.EndsAt });
            e.HasOne<Schedule>().WithMany().HasForeignKey(o => o.ScheduleId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<SwapRequest>(e =>
        {
            e.HasIndex(r => new { r.ScheduleId, r.Status });
            e.HasOne<Schedule>().WithMany().HasForeignKey(r => r.ScheduleId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<WorkingCalendarRecord>(e => e.ToTable("WorkingCalendars"));
        b.Entity<Notification>(e =>
        {
            e.HasIndex(n => new { n.IncidentId, n.CreatedAt });
            e.HasIndex(n => new { n.ContactMethodId, n.SentAt });
        });
        b.Entity<Device>(e =>
        {
            e.HasIndex(d => d.Code).IsUnique();
            e.HasIndex(d => d.ReportToken).IsUnique();
            e.HasOne<Service>().WithMany().HasForeignKey(d => d.ServiceId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<Report>(e =>
        {
            // The rate limits count recent reports per device and per client address.
            e.HasIndex(r => new { r.DeviceId, r.ReceivedAt });
            e.HasIndex(r => new { r.ClientAddress, r.ReceivedAt });
            e.HasIndex(r => r.ReceivedAt);
            e.HasIndex(r => r.IncidentId);
            e.HasIndex(r => r.ServiceId);
            e.HasOne<Device>().WithMany().HasForeignKey(r => r.DeviceId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<Service>().WithMany().HasForeignKey(r => r.ServiceId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Incident>().WithMany().HasForeignKey(r => r.IncidentId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<ReportPhoto>(e =>
        {
            e.HasKey(p => p.ReportId);
            e.HasOne<Report>().WithOne().HasForeignKey<ReportPhoto>(p => p.ReportId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<IncidentRoleAssignment>(e =>
        {
            e.ToTable("IncidentRoles");
            e.HasIndex(r => new { r.IncidentId, r.RoleKey, r.PersonId }).IsUnique();
            e.HasOne<Incident>().WithMany().HasForeignKey(r => r.IncidentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Person>().WithMany().HasForeignKey(r => r.PersonId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<IncidentTask>(e =>
        {
            e.HasIndex(t => new { t.IncidentId, t.Key }).IsUnique();
            e.HasOne<Incident>().WithMany().HasForeignKey(t => t.IncidentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Person>().WithMany().HasForeignKey(t => t.OwnerId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<SmsOptOut>(e => e.HasIndex(o => o.Phone).IsUnique());
        b.Entity<IncidentMessage>(e =>
        {
            e.HasIndex(m => new { m.IncidentId, m.SentAt });
            e.HasIndex(m => m.StatusUpdateId);
            e.HasOne<Incident>().WithMany().HasForeignKey(m => m.IncidentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<IncidentLink>(e =>
        {
            e.HasIndex(l => new { l.IncidentId, l.OtherId }).IsUnique();
            e.HasIndex(l => l.OtherId);
            e.HasOne<Incident>().WithMany().HasForeignKey(l => l.IncidentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Incident>().WithMany().HasForeignKey(l => l.OtherId).OnDelete(DeleteBehavior.Cascade);
        });
        ConfigureLearning(b);
        b.Entity<Counter>(e => e.HasKey(c => c.Name));
        b.Entity<Setting>(e => e.HasKey(s => s.Key));
        b.Entity<StatusComponentService>(e =>
        {
            e.HasKey(c => new { c.ComponentId, c.ServiceId });
            e.HasIndex(c => c.ServiceId);
            e.HasOne<StatusComponent>().WithMany().HasForeignKey(c => c.ComponentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Service>().WithMany().HasForeignKey(c => c.ServiceId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<StatusPost>(e =>
        {
            e.HasIndex(p => p.IncidentId);
            e.HasIndex(p => p.CreatedAt);
            e.HasOne<Incident>().WithMany().HasForeignKey(p => p.IncidentId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<StatusUpdate>(e =>
        {
            e.HasIndex(u => new { u.PostId, u.CreatedAt });
            e.HasOne<StatusPost>().WithMany().HasForeignKey(u => u.PostId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<StatusSubscriber>(e => e.HasIndex(s => new { s.Kind, s.Address }));
    }

    /// <summary>Reviews, action items, surveys and drills.</summary>
    private static void ConfigureLearning(ModelBuilder b)
    {
        b.Entity<PostIncidentReview>(e =>
        {
            e.ToTable("Reviews");
            e.HasIndex(r => r.IncidentId).IsUnique();
            e.HasIndex(r => new { r.State, r.DueAt });
            e.HasOne<Incident>().WithMany().HasForeignKey(r => r.IncidentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ActionItem>(e =>
        {
            e.HasIndex(a => new { a.State, a.DueOn });
            e.HasIndex(a => a.ReviewId);
            e.HasIndex(a => a.DrillRunId);
            e.HasIndex(a => a.OwnerId);
            e.HasOne<PostIncidentReview>().WithMany().HasForeignKey(a => a.ReviewId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<DrillRun>().WithMany().HasForeignKey(a => a.DrillRunId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<SurveyInvitation>(e =>
        {
            e.HasIndex(s => new { s.IncidentId, s.ReporterKey }).IsUnique();
            e.HasOne<Incident>().WithMany().HasForeignKey(s => s.IncidentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<SurveyResponse>(e =>
        {
            // One answer per link: the second is refused by the database too.
            e.HasIndex(r => r.InvitationId).IsUnique();
            e.HasIndex(r => new { r.ServiceId, r.RespondedAt });
            e.HasIndex(r => r.RespondedAt);
            e.HasOne<SurveyInvitation>().WithMany().HasForeignKey(r => r.InvitationId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<DrillScenario>(e => e.HasOne<Service>().WithMany().HasForeignKey(d => d.ServiceId).OnDelete(DeleteBehavior.Cascade));
        b.Entity<DrillRun>(e =>
        {
            e.HasIndex(r => new { r.ScenarioId, r.StartedAt });
            e.HasIndex(r => r.IncidentId).IsUnique();
            e.HasOne<DrillScenario>().WithMany().HasForeignKey(r => r.ScenarioId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Incident>().WithMany().HasForeignKey(r => r.IncidentId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    /// <summary>Takes the next number of a sequence (the first is 1001) inside the current transaction.</summary>
    public async Task<long> NextAsync(string counter, CancellationToken ct = default)
    {
        var connection = Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
            await Database.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.Transaction = Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = """
            INSERT INTO "Counters" ("Name", "Value") VALUES (@name, 1001)
            ON CONFLICT ("Name") DO UPDATE SET "Value" = "Counters"."Value" + 1
            RETURNING "Value";
            """;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@name";
        parameter.Value = counter;
        command.Parameters.Add(parameter);
        var value = await command.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException("RETURNING gave no row.");
        return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
