using Muster.Data;

namespace Muster.Infrastructure;

/// <summary>The <c>Muster</c> section: environment variables <c>Muster__...</c>, flags or appsettings.json.</summary>
public sealed class MusterOptions
{
    public const string Section = "Muster";

    /// <summary>Where the SQLite database and other local files live.</summary>
    public string DataDir { get; set; } = "muster-data";

    /// <summary>The address every link that leaves Muster uses; by default the first address Muster listens on (see <see cref="Infrastructure.PublicUrl"/>).</summary>
    public string? PublicUrl { get; set; }

    /// <summary>The organisation's time zone, an IANA id.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";

    public DatabaseOptions Database { get; set; } = new();

    public WorkOptions Work { get; set; } = new();

    /// <summary>Serve Prometheus text at /metrics without a key.</summary>
    public bool MetricsEnabled { get; set; } = true;

    /// <summary>Addresses of reverse proxies whose X-Forwarded-* headers are believed.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Days a reporter's phone number and photo are kept before the daily purge removes them.</summary>
    public int ReportRetentionDays { get; set; } = 30;

    public string ResolvedDataDir => Path.GetFullPath(DataDir);

    public string ConnectionString => Database.Provider == DatabaseSetup.Postgres
        ? Database.ConnectionString ?? ""
        : Database.ConnectionString ?? $"Data Source={Path.Combine(ResolvedDataDir, "muster.db")}";

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    /// <summary>Every problem with the settings, each naming the setting and a valid value.</summary>
    public IEnumerable<string> Problems()
    {
        if (Database.Provider is not (DatabaseSetup.Sqlite or DatabaseSetup.Postgres))
            yield return $"Muster__Database__Provider is '{Database.Provider}'; use 'sqlite' or 'postgres'.";
        if (Database.Provider == DatabaseSetup.Postgres && string.IsNullOrWhiteSpace(Database.ConnectionString))
            yield return "Muster__Database__ConnectionString is empty; PostgreSQL needs one, such as 'Host=127.0.0.1;Database=muster;Username=muster'.";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
            yield return $"Muster__TimeZone '{TimeZone}' is not a known time zone; use an IANA id such as 'Asia/Shanghai'.";
        foreach (var proxy in KnownProxies.Where(p => !System.Net.IPAddress.TryParse(p, out _)))
            yield return $"Muster__KnownProxies contains '{proxy}', which is not an IP address such as 10.0.0.5.";
        if (ReportRetentionDays < 1)
            yield return $"Muster__ReportRetentionDays is {ReportRetentionDays}; use a number of days of at least 1, such as 30.";
        if (Work.BatchSize is < 1 or > 10_000)
            yield return $"Muster__Work__BatchSize is {Work.BatchSize}; use a number of escalations per transaction from 1 to 10000, such as 1000.";
        if (!string.IsNullOrWhiteSpace(PublicUrl) && Infrastructure.PublicUrl.Problem(PublicUrl) is { } problem)
            yield return $"Muster__PublicUrl '{PublicUrl}' {problem}; use the address people reach, such as 'https://muster.example.com'.";
    }
}

public sealed class DatabaseOptions
{
    public string Provider { get; set; } = DatabaseSetup.Sqlite;
    public string? ConnectionString { get; set; }
}

public sealed class WorkOptions
{
    /// <summary>How many escalations due together share one transaction.</summary>
    public int BatchSize { get; set; } = 1000;
}
