using System.Globalization;

namespace Muster.Bench;

/// <summary>The harness's flags: <c>--database sqlite|postgres --connection ... --incidents N --requests N</c>.</summary>
public sealed record BenchOptions
{
    public string Database { get; init; } = "sqlite";

    /// <summary>For PostgreSQL, required; for SQLite, empty means a file in <see cref="DataDir"/>.</summary>
    public string? Connection { get; init; }

    /// <summary>Where the app keeps its files (and the SQLite database); empty means a new temp folder.</summary>
    public string? DataDir { get; init; }

    public int Incidents { get; init; } = 100_000;

    /// <summary>Measured requests per scenario, after the warm-up.</summary>
    public int Requests { get; init; } = 500;

    public int Warmup { get; init; } = 50;

    public int Seed { get; init; } = 42;

    /// <summary>Run (VACUUM) ANALYZE after loading: PostgreSQL's autovacuum does it by itself; the app never does on SQLite.</summary>
    public bool? Analyze { get; init; }

    /// <summary>Print the query plans of the list's queries after measuring.</summary>
    public bool Explain { get; init; }

    /// <summary>Write the markdown table here as well as to the console.</summary>
    public string? Out { get; init; }

    public bool AnalyzeOrDefault => Analyze ?? Database == "postgres";

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Number() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            o = name switch
            {
                "--database" => o with { Database = Value() },
                "--connection" => o with { Connection = Value() },
                "--data-dir" => o with { DataDir = Value() },
                "--incidents" => o with { Incidents = Number() },
                "--requests" => o with { Requests = Number() },
                "--warmup" => o with { Warmup = Number() },
                "--seed" => o with { Seed = Number() },
                "--analyze" => o with { Analyze = true },
                "--no-analyze" => o with { Analyze = false },
                "--explain" => o with { Explain = true },
                "--out" => o with { Out = Value() },
                _ => throw new ArgumentException($"Unknown flag '{name}'. Flags: --database sqlite|postgres, --connection, --data-dir, " +
                    "--incidents, --requests, --warmup, --seed, --analyze|--no-analyze, --explain, --out."),
            };
        }
        if (o.Database is not ("sqlite" or "postgres"))
            throw new ArgumentException($"--database is '{o.Database}'; use sqlite or postgres.");
        if (o.Database == "postgres" && string.IsNullOrWhiteSpace(o.Connection))
            throw new ArgumentException("--database postgres needs --connection 'Host=127.0.0.1;Port=...;Username=postgres;Database=...'.");
        if (o.Incidents < 1 || o.Requests < 1)
            throw new ArgumentException("--incidents and --requests must be 1 or more.");
        return o;
    }
}
