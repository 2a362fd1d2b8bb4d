namespace Muster.Data;

/// <summary>
/// A phone number that replied 退订 (TD, STOP): no customer SMS goes to it again, whoever it
/// belongs to (a reporter is nobody in Muster). People's own numbers are stopped on their contact
/// methods as well.
/// </summary>
public sealed class SmsOptOut
{
    public string Id { get; set; } = Ids.New();

    /// <summary>Digits only, without China's +86 (see SmsReplies.Normalize).</summary>
    public string Phone { get; set; } = "";
    public DateTime At { get; set; }

    /// <summary>What they replied.</summary>
    public string? Reason { get; set; }
}
