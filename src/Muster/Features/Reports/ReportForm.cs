namespace Muster.Features.Reports;

public sealed class ReportForm
{
    /// <summary>The index of a symptom of the device's type, or "other".</summary>
    public string? Symptom { get; set; }

    public string? Details { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
}
