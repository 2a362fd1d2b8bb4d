namespace Muster.Tests.Support;

/// <summary>A clock the test moves by hand (Microsoft's testing TimeProvider does not restore here).</summary>
public sealed class FakeTime(DateTimeOffset start) : TimeProvider
{
    // The work runner's background lanes read the clock while a test moves it.
    private readonly Lock moving = new();
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (moving)
            return now;
    }

    public DateTime UtcNow => GetUtcNow().UtcDateTime;

    public void Advance(TimeSpan by)
    {
        lock (moving)
            now += by;
    }
}
