using System.CommandLine;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.People;
using Muster.Domain.Plans;
using Muster.Features.ApiKeys;
using Muster.Features.Demo;
using Muster.Features.People;
using Muster.Features.Plans;

namespace Muster.Infrastructure;

/// <summary>
/// <c>muster</c> with no verb serves; the verbs work on the same configuration and database.
/// Messages go to standard error so that standard output carries only results (an API key).
/// </summary>
public static class Cli
{
    private static readonly HashSet<string> Verbs = ["serve", "migrate", "admin", "apikey", "backup", "demo", "plan"];
    private static readonly HashSet<string> HelpFlags = ["--help", "-h", "-?", "--version"];

    public static bool IsVerb(string[] args) => args.Length > 0 && (Verbs.Contains(args[0]) || HelpFlags.Contains(args[0]));

    public static async Task<int> RunAsync(string[] args)
    {
        var urls = new Option<string>("--urls") { Description = $"Addresses to listen on, such as {MusterApp.DefaultUrls}", Recursive = true };
        var dataDir = new Option<string>("--data-dir") { Description = "Folder for the SQLite database (default ./muster-data)", Recursive = true };
        var database = new Option<string>("--database") { Description = "sqlite (default) or postgres", Recursive = true };
        var connection = new Option<string>("--connection") { Description = "Connection string, for PostgreSQL", Recursive = true };
        var root = new RootCommand($"Muster: emergency response. With no verb, serves on {MusterApp.DefaultUrls}.") { urls, dataDir, database, connection };

        string[] Common(ParseResult r) =>
        [
            .. Pair("--urls", r.GetValue(urls)), .. Pair("--data-dir", r.GetValue(dataDir)),
            .. Pair("--database", r.GetValue(database)), .. Pair("--connection", r.GetValue(connection)),
        ];

        var serve = new Command("serve", "Serve the web UI, the API and the workers (the default).");
        serve.SetAction((r, ct) => ServeAsync(Common(r), ct));
        root.Subcommands.Add(serve);

        var migrate = new Command("migrate", "Create or upgrade the database schema.");
        migrate.SetAction((r, ct) => WithDb(Common(r), async (db, _, _) =>
        {
            await Console.Error.WriteLineAsync("The database is up to date.");
            return 0;
        }, ct));
        root.Subcommands.Add(migrate);

        var email = new Option<string>("--email") { Description = "The administrator's email address", Required = true };
        var password = new Option<string>("--password") { Description = $"At least {PeopleEndpoints.MinPasswordLength} characters", Required = true };
        var name = new Option<string>("--name") { Description = "Display name (default: Administrator)" };
        var adminCreate = new Command("create", "Create an administrator who signs in with email and password.") { email, password, name };
        adminCreate.SetAction((r, ct) => WithDb(Common(r), async (db, now, token) =>
        {
            var address = r.GetValue(email)!.Trim().ToLowerInvariant();
            if (await db.People.AnyAsync(p => p.Email == address, token))
                return Fail($"{address} exists already; use 'muster admin reset-password' to set a new password.");
            await PeopleEndpoints.CreateAsync(db, new PersonRequest(address, r.GetValue(name) ?? "Administrator", Roles.Admin, Password: r.GetValue(password)), null, now, token);
            await Console.Error.WriteLineAsync($"Created the administrator {address}. Sign in at /login.");
            return 0;
        }, ct));
        var adminReset = new Command("reset-password", "Set a new password for someone, and make sure they are active.") { email, password };
        adminReset.SetAction((r, ct) => WithDb(Common(r), async (db, now, token) =>
        {
            var address = r.GetValue(email)!.Trim().ToLowerInvariant();
            var person = await db.People.FirstOrDefaultAsync(p => p.Email == address, token);
            if (person is null)
                return Fail($"Nobody has the address {address}; 'muster admin create' makes an administrator.");
            if (PeopleEndpoints.PasswordProblem(r.GetValue(password)) is { } weak)
                return Fail(weak);
            person.PasswordHash = PeopleEndpoints.HashPassword(person, r.GetValue(password)!);
            person.Active = true;
            db.Record(null, "person.password_reset", "person", person.Id, null, null, now);
            await db.SaveChangesAsync(token);
            await Console.Error.WriteLineAsync($"The password of {address} is set.");
            return 0;
        }, ct));
        root.Subcommands.Add(new Command("admin", "Administrators.") { adminCreate, adminReset });

        var keyName = new Option<string>("--name") { Description = "What the key is for, such as 'alertmanager'", Required = true };
        var keyRole = new Option<string>("--role") { Description = "admin, manager, responder or viewer", Required = true };
        var apikeyCreate = new Command("create", "Create an API key and print it, alone, on standard output. It is shown once.") { keyName, keyRole };
        apikeyCreate.SetAction((r, ct) => WithDb(Common(r), async (db, now, token) =>
        {
            var created = await ApiKeyEndpoints.CreateAsync(db, new ApiKeyRequest(r.GetValue(keyName), r.GetValue(keyRole)), null, now, token);
            Console.Out.WriteLine(created.Key);
            await Console.Error.WriteLineAsync($"Created the {created.Role} key '{created.Name}'. Send it as 'Authorization: Bearer <key>'.");
            return 0;
        }, ct));
        root.Subcommands.Add(new Command("apikey", "API keys for programs.") { apikeyCreate });

        var to = new Option<string>("--to") { Description = "The file to write the copy to", Required = true };
        var backup = new Command("backup", "Make an online copy of the SQLite database (for PostgreSQL, use pg_dump).") { to };
        backup.SetAction((r, ct) => WithDb(Common(r), migrate: false, async (db, _, token) =>
        {
            if (db.IsPostgres)
                return Fail("This Muster uses PostgreSQL: back it up with pg_dump, for example: pg_dump --format=custom --file=muster.dump <database>.");
            var target = Path.GetFullPath(r.GetValue(to)!);
            if (File.Exists(target))
                return Fail($"{target} exists already; choose a new file so that no backup is overwritten.");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var source = (SqliteConnection)db.Database.GetDbConnection();
            await source.OpenAsync(token);
            await using var destination = new SqliteConnection($"Data Source={target};Pooling=False");
            await destination.OpenAsync(token);
            source.BackupDatabase(destination);
            await Console.Error.WriteLineAsync($"Backed up to {target} ({new FileInfo(target).Length / 1024} KiB).");
            return 0;
        }, ct));
        root.Subcommands.Add(backup);

        var demo = new Command("demo", "Load an example organisation: teams, people, services and a plan for each of the five domains.");
        demo.SetAction((r, ct) => WithDb(Common(r), async (db, now, token) =>
        {
            var (created, integrations) = await DemoData.LoadWithIntegrationsAsync(db, now, token);
            await Console.Error.WriteLineAsync(created == 0 ? "The demo organisation was loaded already." : $"Loaded the demo organisation ({created} new items).");
            await Console.Error.WriteLineAsync("Events API routing keys (POST /v2/enqueue):");
            foreach (var (service, integration) in integrations)
                Console.Out.WriteLine($"{integration.Secret}  {service}");
            return 0;
        }, ct));
        root.Subcommands.Add(demo);

        root.Subcommands.Add(PlanCommand(Common));

        return await root.Parse(args).InvokeAsync();
    }

    /// <summary><c>muster plan validate|import|export</c>: plans as YAML files.</summary>
    private static Command PlanCommand(Func<ParseResult, string[]> common)
    {
        var file = new Argument<string>("FILE") { Description = "A plan as YAML (or JSON)" };
        var validate = new Command("validate", "Check a plan file without a database: prints FILE:LINE:COLUMN: message for each error; exit code 0 when valid, 1 when not.") { file };
        validate.SetAction(r =>
        {
            var path = r.GetValue(file)!;
            if (ReadPlanFile(path) is not { } text)
                return 2;
            var result = PlanYaml.Parse(text);
            if (!result.Valid)
            {
                PrintErrors(path, result.Errors);
                Console.Error.WriteLine($"{path}: {result.Errors.Count} error(s).");
                return 1;
            }
            var plan = result.Plan!;
            Console.Error.WriteLine($"{path}: the plan '{plan.Key}' is valid ({plan.Levels.Count} levels, {plan.Roles.Count} roles, " +
                $"{plan.Checklists.Sum(c => c.Steps.Count)} steps, {plan.Templates.Count} templates).");
            return 0;
        });

        var importFile = new Argument<string>("FILE") { Description = "A plan as YAML (or JSON)" };
        var noActivate = new Option<bool>("--no-activate") { Description = "Store the new version without making it the active one" };
        var import = new Command("import", "Store a plan file as the next version of the plan with its key, and activate it (unless --no-activate).") { importFile, noActivate };
        import.SetAction((r, ct) =>
        {
            var path = r.GetValue(importFile)!;
            if (ReadPlanFile(path) is not { } text)
                return Task.FromResult(2);
            return WithDb(common(r), async (db, now, token) =>
            {
                var activate = !r.GetValue(noActivate);
                var keepSource = !path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
                var (version, errors) = await PlanEndpoints.SaveTextAsync(db, text, keepSource, null, now, activate, token);
                if (version is null)
                {
                    PrintErrors(path, errors);
                    return Fail($"{path}: {errors.Count} error(s); nothing was stored.");
                }
                var key = await db.Plans.Where(p => p.Id == version.PlanId).Select(p => p.Key).FirstAsync(token);
                await Console.Error.WriteLineAsync($"Stored {key} version {version.Version}{(activate ? ", now the active one" : "; activate it with POST /api/v1/plans/" + key + "/versions/" + version.Version + "/activate or on /plans")}.");
                return 0;
            }, ct);
        });

        var key = new Argument<string>("KEY") { Description = "The plan's key, such as kiosk" };
        var version = new Option<int?>("--version") { Description = "The version number (default: the active one)" };
        var exportTo = new Option<string>("--to") { Description = "Write to this file instead of standard output" };
        var export = new Command("export", "Print a plan version as YAML: the text it was written in, or YAML made from it.") { key, version, exportTo };
        export.SetAction((r, ct) => WithDb(common(r), async (db, _, token) =>
        {
            var plan = await PlanEndpoints.FindAsync(db, r.GetValue(key)!, token);
            var row = r.GetValue(version) is { } n
                ? (await PlanEndpoints.FindVersionAsync(db, plan.Key, n, token)).Version
                : await db.PlanVersions.FirstOrDefaultAsync(v => v.Id == plan.ActiveVersionId, token);
            if (row is null)
                return Fail($"The plan '{plan.Key}' has no active version; name one with --version.");
            var text = PlanEndpoints.ExportText(row);
            if (r.GetValue(exportTo) is { } target)
            {
                await File.WriteAllTextAsync(target, text, token);
                await Console.Error.WriteLineAsync($"Wrote {plan.Key} version {row.Version} to {target}.");
            }
            else
                Console.Out.Write(text);
            return 0;
        }, ct));

        return new Command("plan", "Emergency plans as YAML files: validate, import, export.") { validate, import, export };
    }

    private static string? ReadPlanFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{path}: cannot be read: {e.Message}");
            return null;
        }
    }

    private static void PrintErrors(string path, IEnumerable<PlanProblem> errors)
    {
        foreach (var e in errors)
            Console.Out.WriteLine($"{path}:{Math.Max(e.Line, 1)}:{Math.Max(e.Column, 1)}: {e.Message}");
    }

    public static async Task<int> ServeAsync(string[] args, CancellationToken ct = default)
    {
        var app = MusterApp.Build(args);
        await app.RunAsync(ct);
        return 0;
    }

    private static Task<int> WithDb(string[] common, Func<MusterDb, DateTime, CancellationToken, Task<int>> work, CancellationToken ct) =>
        WithDb(common, migrate: true, work, ct);

    private static async Task<int> WithDb(string[] common, bool migrate, Func<MusterDb, DateTime, CancellationToken, Task<int>> work, CancellationToken ct)
    {
        WebApplication app;
        try
        {
            app = MusterApp.Build([.. common, "--Logging:LogLevel:Default=Warning", "--Logging:Console:LogToStandardErrorThreshold=Trace"]);
            _ = app.Services.GetRequiredService<IOptions<MusterOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            return Fail(string.Join(Environment.NewLine, e.Failures));
        }
        await using (app)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
            try
            {
                if (migrate)
                    await Startup.MigrateAsync(db, ct);
                return await work(db, app.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime, ct);
            }
            catch (RequestException e)
            {
                return Fail(string.Join(Environment.NewLine, e.Errors.SelectMany(x => x.Value)));
            }
            catch (DbException e)
            {
                return Fail($"The database cannot be used: {e.Message}. Check --connection or Muster__Database__ConnectionString.");
            }
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 1;
    }

    private static IEnumerable<string> Pair(string flag, string? value) => value is null ? [] : [flag, value];
}
