using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Data.Sqlite;

namespace Muster.Tests;

/// <summary>The CLI verbs, run as a user runs them: the real executable in a process of its own.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string dataDir = Directory.CreateTempSubdirectory("muster-cli-").FullName;

    private async Task<(int Code, string Out, string Err)> MusterAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "muster.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.ArgumentList.Add("--data-dir");
        start.ArgumentList.Add(dataDir);
        start.Environment["Muster__Database__Provider"] = "sqlite";
        start.Environment.Remove("Muster__Database__ConnectionString");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Apikey_create_prints_the_key_alone_and_the_key_works()
    {
        var (code, stdout, stderr) = await MusterAsync("apikey", "create", "--name", "alertmanager", "--role", "responder");

        Assert.Equal(0, code);
        Assert.Matches("^mst_[0-9a-f]{40}\n$", stdout);
        Assert.Contains("responder", stderr);

        using var factory = new CliDataFactory(dataDir);
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stdout.Trim());
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/v1/incidents")).StatusCode);
    }

    [Fact]
    public async Task Admin_create_then_reset_password_and_bad_input_is_explained()
    {
        Assert.Equal(0, (await MusterAsync("admin", "create", "--email", "Duty@Example.com", "--password", "long-enough-1")).Code);
        var again = await MusterAsync("admin", "create", "--email", "duty@example.com", "--password", "long-enough-1");
        Assert.Equal(1, again.Code);
        Assert.Contains("reset-password", again.Err);
        var weak = await MusterAsync("admin", "reset-password", "--email", "duty@example.com", "--password", "short");
        Assert.Equal(1, weak.Code);
        Assert.Contains("at least 10", weak.Err);
        Assert.Equal(0, (await MusterAsync("admin", "reset-password", "--email", "duty@example.com", "--password", "another-long-1")).Code);
        var missing = await MusterAsync("admin", "create", "--email", "x@example.com");
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("--password", missing.Err);
    }

    [Fact]
    public async Task Demo_loads_five_domains_once_and_backup_copies_the_database()
    {
        Assert.Equal(0, (await MusterAsync("migrate")).Code);
        var demo = await MusterAsync("demo");
        Assert.Equal(0, demo.Code);
        Assert.Contains("Loaded", demo.Err);
        var keys = demo.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, keys.Length);
        Assert.All(keys, line => Assert.Matches("^[0-9a-f]{32}  .+$", line));
        Assert.Contains("already", (await MusterAsync("demo")).Err);

        var copy = Path.Combine(dataDir, "backups", "copy.db");
        var backup = await MusterAsync("backup", "--to", copy);
        Assert.Equal(0, backup.Code);
        await using var connection = new SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM \"Services\" s JOIN \"Plans\" p ON p.\"Id\" = s.\"PlanId\"";
        Assert.Equal(5L, await command.ExecuteScalarAsync());
        Assert.Equal(1, (await MusterAsync("backup", "--to", copy)).Code);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("migrate", "--help")]
    [InlineData("admin", "create", "--help")]
    [InlineData("admin", "reset-password", "--help")]
    [InlineData("apikey", "create", "--help")]
    [InlineData("backup", "--help")]
    [InlineData("demo", "--help")]
    public async Task Every_verb_has_help(params string[] args)
    {
        var (code, stdout, _) = await MusterAsync(args);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", stdout);
        Assert.Contains("--data-dir", stdout);
    }

    [Fact]
    public async Task Backup_on_postgres_says_to_use_pg_dump()
    {
        var result = await MusterAsync("backup", "--to", "x.db", "--database", "postgres", "--connection", "Host=127.0.0.1;Port=1;Timeout=1");
        Assert.NotEqual(0, result.Code);
        Assert.Contains("pg_dump", result.Err + result.Out);
    }

    [Fact]
    public async Task Plan_validate_prints_each_error_as_file_line_column_and_exits_non_zero()
    {
        var good = Path.Combine(PlansFolder(), "customer-service.yaml");
        var valid = await MusterAsync("plan", "validate", good);
        Assert.Equal(0, valid.Code);
        Assert.Equal("", valid.Out);
        Assert.Contains("is valid", valid.Err);

        var bad = Path.Combine(dataDir, "bad.yaml");
        await File.WriteAllTextAsync(bad, """
            key: bad
            name: {zh-CN: 坏, en: Bad}
            levels:
              - {key: L1, rank: 1, name: {zh-CN: 一级, en: Level 1}, color: '#c62828'}
            rules:
              - level: L1
                when: [{fact: users, gt: 1}]
            checklists:
              - levels: [L2]
                steps:
                  - {key: call, title: {zh-CN: 打电话, en: Call}, role: commander, owner: x}
            """);
        var invalid = await MusterAsync("plan", "validate", bad);

        Assert.Equal(1, invalid.Code);
        var lines = invalid.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            $"{bad}:7:13: 'users' is not an impact fact; use one of affectedUsers, availabilityPercent, complaintGrowthPercent, outageMinutes, reportsReceived, devicesAffected, fundsAtRisk, condition.",
            $"{bad}:9:14: 'L2' is not a level of this plan; use one of L1.",
            $"{bad}:11:52: 'commander' is not a role of this plan; none are defined: add them under roles.",
            $"{bad}:11:69: 'owner' is not a field of a checklist step; allowed: key, title, role, stage, withinMinutes, mitigation, after.",
        ], lines);
        Assert.Equal(2, (await MusterAsync("plan", "validate", Path.Combine(dataDir, "missing.yaml"))).Code);
    }

    [Fact]
    public async Task Plan_import_keeps_the_authors_yaml_and_export_gives_it_back()
    {
        var source = (await File.ReadAllTextAsync(Path.Combine(PlansFolder(), "kiosk.yaml")))
            .Replace("key: kiosk", "key: kiosk-copy", StringComparison.Ordinal) + "# a note of our own\n";
        var file = Path.Combine(dataDir, "kiosk-copy.yaml");
        await File.WriteAllTextAsync(file, source);

        var first = await MusterAsync("plan", "import", file);
        Assert.Equal(0, first.Code);
        Assert.Contains("version 1, now the active one", first.Err);
        var second = await MusterAsync("plan", "import", file, "--no-activate");
        Assert.Contains("version 2;", second.Err);

        var exported = await MusterAsync("plan", "export", "kiosk-copy");
        Assert.Equal(0, exported.Code);
        Assert.Equal(source, exported.Out);
        var to = Path.Combine(dataDir, "out.yaml");
        Assert.Equal(0, (await MusterAsync("plan", "export", "kiosk-copy", "--version", "2", "--to", to)).Code);
        Assert.Equal(source, await File.ReadAllTextAsync(to));
        var none = await MusterAsync("plan", "export", "kiosk-copy", "--version", "9");
        Assert.Equal(1, none.Code);
        Assert.Contains("kiosk-copy v9", none.Err);

        await File.WriteAllTextAsync(file, source.Replace("role: onsite", "role: janitor", StringComparison.Ordinal));
        var refused = await MusterAsync("plan", "import", file);
        Assert.Equal(1, refused.Code);
        Assert.Contains($"{file}:", refused.Out);
        Assert.Contains("'janitor' is not a role of this plan", refused.Out);
        Assert.Contains("nothing was stored", refused.Err);
    }

    /// <summary>The repository's plans folder, found from the test's output folder.</summary>
    internal static string PlansFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Muster.slnx")))
                return Path.Combine(dir.FullName, "plans");
        throw new InvalidOperationException("The repository root (Muster.slnx) was not found.");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(dataDir, recursive: true); }
        catch (IOException) { }
    }

    private sealed class CliDataFactory(string dataDir) : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("Muster:DataDir", dataDir);
            builder.UseSetting("Muster:Database:Provider", "sqlite");
            builder.UseSetting("Muster:Database:ConnectionString", $"Data Source={Path.Combine(dataDir, "muster.db")}");
        }
    }
}
