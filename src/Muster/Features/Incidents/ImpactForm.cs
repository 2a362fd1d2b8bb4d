using System.Globalization;
using Microsoft.Extensions.Localization;
using Muster.Components;

namespace Muster.Features.Incidents;

/// <summary>
/// The impact facts as a form posts them: text, so that a value the browser lets through but
/// that is not a number comes back next to its field instead of vanishing.
/// </summary>
public sealed class ImpactForm
{
    public const string Unknown = "unknown";

    public string? AffectedUsers { get; set; }
    public string? AvailabilityPercent { get; set; }
    public string? ComplaintGrowthPercent { get; set; }
    public string? OutageMinutes { get; set; }
    public string? FundsAtRisk { get; set; }
    public string? Condition { get; set; }

    public static ImpactForm From(ImpactInput impact) => new()
    {
        AffectedUsers = impact.AffectedUsers?.ToString(CultureInfo.InvariantCulture),
        AvailabilityPercent = impact.AvailabilityPercent?.ToString(CultureInfo.InvariantCulture),
        ComplaintGrowthPercent = impact.ComplaintGrowthPercent?.ToString(CultureInfo.InvariantCulture),
        OutageMinutes = impact.OutageMinutes?.ToString(CultureInfo.InvariantCulture),
        FundsAtRisk = impact.FundsAtRisk switch { true => "yes", false => "no", null => Unknown },
        Condition = impact.Condition ?? Unknown,
    };

    /// <summary>The facts, or null with a message per field that is not a number; keys are <paramref name="prefix"/> + the API's field name.</summary>
    public ImpactInput? ToInput(FormErrors errors, string prefix, IStringLocalizer text)
    {
        var before = errors.Any;
        var affected = Whole(AffectedUsers, prefix + "affectedUsers", errors, text);
        var availability = Number(AvailabilityPercent, prefix + "availabilityPercent", errors, text);
        var complaints = Number(ComplaintGrowthPercent, prefix + "complaintGrowthPercent", errors, text);
        var outage = Whole(OutageMinutes, prefix + "outageMinutes", errors, text);
        if (errors.Any && !before)
            return null;
        return new ImpactInput(affected, availability, complaints, outage,
            FundsAtRisk switch { "yes" => true, "no" => false, _ => null },
            string.IsNullOrEmpty(Condition) || Condition == Unknown ? null : Condition);
    }

    private static int? Whole(string? value, string field, FormErrors errors, IStringLocalizer text)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        if (int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            return n;
        errors.Add(field, text["form.whole_number"]);
        return null;
    }

    private static double? Number(string? value, string field, FormErrors errors, IStringLocalizer text)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        if (double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n))
            return n;
        errors.Add(field, text["form.number"]);
        return null;
    }
}
