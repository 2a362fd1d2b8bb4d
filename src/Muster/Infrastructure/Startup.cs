using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.People;
using Muster.Features.People;
using Muster.Features.Plans;

namespace Muster.Infrastructure;

/// <summary>What happens before the first request: migrate, the default plan, the first administrator.</summary>
public static class Startup
{
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Muster.Startup");
        var options = scope.ServiceProvider.GetRequiredService<IOptions<MusterOptions>>().Value;
        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

        await MigrateAsync(db, ct);
        logger.LogInformation("Database {Provider} ready{Where}.", options.Database.Provider,
            options.Database.Provider == DatabaseSetup.Sqlite ? $" in {options.ResolvedDataDir}" : "");

        if (!await db.Plans.AnyAsync(p => p.Key == PlanCatalog.DefaultKey, ct))
            await PlanEndpoints.SaveBuiltinAsync(db, PlanCatalog.DefaultKey, now, ct);
        await Features.Devices.DeviceTypes.SeedAsync(db, now, ct);
        if (!await db.WorkItems.AnyAsync(w => w.Key == Features.Reports.ReportPurgeWork.Work, ct))
        {
            await db.ScheduleAsync(Features.Reports.ReportPurgeWork.Work, Features.Reports.ReportPurgeWork.Work, now, null, now, ct);
            await db.SaveChangesAsync(ct);
        }

        var email = Environment.GetEnvironmentVariable("MUSTER_ADMIN_EMAIL");
        var password = Environment.GetEnvironmentVariable("MUSTER_ADMIN_PASSWORD");
        if (!string.IsNullOrWhiteSpace(email) && !string.IsNullOrEmpty(password)
            && !await db.People.AnyAsync(p => p.Email == email.Trim().ToLowerInvariant(), ct))
        {
            await PeopleEndpoints.CreateAsync(db, new PersonRequest(email, "Administrator", Roles.Admin, Password: password), null, now, ct);
            logger.LogInformation("Created the administrator {Email} from MUSTER_ADMIN_EMAIL.", email);
        }
        if (!await HasAdministratorAsync(db, ct))
        {
            logger.LogWarning("There is no administrator yet. Make one with: muster admin create --email you@example.com --password '<at least {Length} characters>' " +
                "(or start with MUSTER_ADMIN_EMAIL and MUSTER_ADMIN_PASSWORD set).", PeopleEndpoints.MinPasswordLength);
        }
    }

    public static Task<bool> HasAdministratorAsync(MusterDb db, CancellationToken ct = default) =>
        db.People.AnyAsync(p => p.Role == Roles.Admin && p.Active && p.PasswordHash != null, ct);

    public static async Task MigrateAsync(MusterDb db, CancellationToken ct = default)
    {
        // A restart of a current database (the usual case) reads the history table and stops: the
        // migrator would take its lock first, which on SQLite is a table written and emptied, two
        // synced commits on every start (docs/decisions/0020-footprint.md).
        if (!(await db.Database.GetPendingMigrationsAsync(ct)).Any())
            return;
        if (db.IsPostgres)
        {
            // Several processes may start at once: one migrates while the others wait on the lock.
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(7262001)", ct);
                await db.Database.MigrateAsync(ct);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(7262001)", CancellationToken.None);
                await db.Database.CloseConnectionAsync();
            }
        }
        else
        {
            await db.Database.MigrateAsync(ct);
        }
    }
}
