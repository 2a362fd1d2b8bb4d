namespace Muster.Tests.Support;

/// <summary>A clock the test moves by hand (Microsoft's testing TimeProvider does not restore here).</summary>
public sealed class FakeTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public DateTime UtcNow => now.UtcDateTime;

    public void Advance(TimeSpan by) => now += by;
}
