namespace Muster.Infrastructure;

/// <summary>Migrates and seeds before the server takes its first request (hosted services start first).</summary>
public sealed class PrepareDatabase(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Startup.PrepareAsync(services, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
