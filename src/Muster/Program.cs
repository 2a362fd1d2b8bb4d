using Muster.Infrastructure;

if (Cli.IsVerb(args))
    return await Cli.RunAsync(args);

var app = MusterApp.Build(args);
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
