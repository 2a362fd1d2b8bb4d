using System.Text.Json;
using Muster.Domain.OnCall;

namespace Muster.Features.OnCall;

/// <summary>
/// The "new schedule" form: one rotation layer built from plain fields, so that a first schedule
/// needs no JSON. Members come from a multi-select, read by the page from the posted form.
/// </summary>
public sealed class SimpleScheduleForm
{
    public string? Name { get; set; }
    public string? TimeZone { get; set; }
    public string? StartDate { get; set; }
    public string? HandoffTime { get; set; } = "09:00";
    public string? RotationUnit { get; set; } = "weeks";
    public int RotationLength { get; set; } = 1;
    public int ShiftSize { get; set; } = 1;
    public bool WorkingDaysOnly { get; set; }
    public string? CalendarId { get; set; }

    public ScheduleRequest ToRequest(IReadOnlyList<string> members)
    {
        var errors = new Muster.Infrastructure.Problems.Errors()
            .Check(DateOnly.TryParse(StartDate, System.Globalization.CultureInfo.InvariantCulture, out var date), "startDate", "Enter the date of the first handoff, such as 2026-03-09.")
            .Check(TimeOnly.TryParse(HandoffTime, System.Globalization.CultureInfo.InvariantCulture, out var time), "handoffTime", "Enter the handoff time, such as 09:00.")
            .Check(Enum.TryParse<RotationUnit>(RotationUnit, ignoreCase: true, out var unit), "rotationUnit", "Choose hours, days or weeks.")
            .Check(members.Count > 0, "members", "Choose at least one person.");
        errors.ThrowIfAny();
        var definition = new ScheduleDefinition
        {
            TimeZone = string.IsNullOrWhiteSpace(TimeZone) ? "Asia/Shanghai" : TimeZone.Trim(),
            Layers =
            [
                new ScheduleLayer
                {
                    Name = Name?.Trim() is { Length: > 0 } n ? n : "Rotation",
                    Start = date.ToDateTime(time),
                    RotationUnit = unit,
                    RotationLength = RotationLength,
                    Members = members,
                    ShiftSize = ShiftSize,
                    Days = WorkingDaysOnly ? LayerDays.WorkingDays : LayerDays.All,
                },
            ],
        };
        return new ScheduleRequest(Name, null, string.IsNullOrEmpty(CalendarId) ? null : CalendarId, definition);
    }
}

/// <summary>A name and a definition edited as JSON in a textarea: the full model, until there is a richer editor.</summary>
public sealed class JsonEditForm
{
    public string? Name { get; set; }
    public string? CalendarId { get; set; }
    public string? Definition { get; set; }

    public static readonly JsonSerializerOptions Indented = new(OnCallLookup.Json) { WriteIndented = true };

    /// <summary>Reads the textarea; a JSON error is reported at <c>definition</c> with where it is.</summary>
    public T? Read<T>() where T : class
    {
        if (string.IsNullOrWhiteSpace(Definition))
            return null;
        try
        {
            return JsonSerializer.Deserialize<T>(Definition, OnCallLookup.Json);
        }
        catch (JsonException e)
        {
            throw Muster.Infrastructure.RequestException.Invalid("definition", $"The JSON is not valid: {e.Message.Split(" Path:")[0]} (line {e.LineNumber + 1}).");
        }
    }
}

public sealed class OverrideForm
{
    public string? StartsAt { get; set; }
    public string? EndsAt { get; set; }
    public string? Kind { get; set; } = "replace";
    public string? PersonId { get; set; }
    public string? ReplacesPersonId { get; set; }
    public string? Reason { get; set; }
}

public sealed class SwapForm
{
    public string? WithPersonId { get; set; }
    public string? StartsAt { get; set; }
    public string? EndsAt { get; set; }
    public string? Reason { get; set; }
}
