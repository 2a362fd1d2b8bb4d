using System.Globalization;
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

/// <summary>
/// A schedule edited as plain fields, layer by layer, so that nobody has to write JSON or copy
/// person ids: members are chosen by name in rotation order, restrictions are weekdays and a
/// window. Field names are indexed (<c>Layer[0].Member</c>, <c>Layer[0].R[1].From</c>), so the page
/// reads them from the posted form; buttons named <c>Op</c> add, remove or move a layer without saving.
/// </summary>
public sealed class ScheduleEditorForm
{
    public const string Prefix = "Layer";
    private static readonly DayOfWeek[] Week = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

    public static IReadOnlyList<DayOfWeek> Weekdays => Week;

    public string Name { get; set; } = "";
    public string TimeZone { get; set; } = "Asia/Shanghai";
    public string? CalendarId { get; set; }
    public string? TeamId { get; set; }
    public List<LayerFields> Layers { get; set; } = [];

    public sealed class LayerFields
    {
        public string Name { get; set; } = "";
        public string Start { get; set; } = "";
        public string Unit { get; set; } = "weeks";
        public string Length { get; set; } = "1";
        public string ShiftSize { get; set; } = "1";
        public string Days { get; set; } = "all";
        public List<string> Members { get; set; } = [];
        public List<RestrictionFields> Restrictions { get; set; } = [];
    }

    public sealed class RestrictionFields
    {
        public List<DayOfWeek> Days { get; set; } = [];
        public string From { get; set; } = "";
        public string To { get; set; } = "";
    }

    public static ScheduleEditorForm From(string name, string? calendarId, string? teamId, ScheduleDefinition definition) => new()
    {
        Name = name,
        TimeZone = definition.TimeZone,
        CalendarId = calendarId,
        TeamId = teamId,
        Layers = definition.Layers.Select(l => new LayerFields
        {
            Name = l.Name,
            Start = l.Start.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture),
            Unit = JsonSerializer.Serialize(l.RotationUnit).Trim('"'),
            Length = l.RotationLength.ToString(CultureInfo.InvariantCulture),
            ShiftSize = l.ShiftSize.ToString(CultureInfo.InvariantCulture),
            Days = JsonSerializer.Serialize(l.Days).Trim('"'),
            Members = [.. l.Members],
            Restrictions = l.Restrictions.Select(r => new RestrictionFields
            {
                Days = [.. r.Days],
                From = r.From.ToString("HH:mm", CultureInfo.InvariantCulture),
                To = r.To.ToString("HH:mm", CultureInfo.InvariantCulture),
            }).ToList(),
        }).ToList(),
    };

    /// <summary>The fields as posted; blank member choices and restriction rows with no time are left out.</summary>
    public static ScheduleEditorForm Read(IFormCollection form)
    {
        var result = new ScheduleEditorForm
        {
            Name = form["Schedule.Name"].ToString(),
            TimeZone = form["Schedule.TimeZone"].ToString(),
            CalendarId = form["Schedule.CalendarId"].ToString() is { Length: > 0 } c ? c : null,
            TeamId = form["Schedule.TeamId"].ToString() is { Length: > 0 } t ? t : null,
        };
        var count = int.TryParse(form["LayerCount"], CultureInfo.InvariantCulture, out var n) ? Math.Clamp(n, 0, 50) : 0;
        for (var i = 0; i < count; i++)
        {
            var at = $"{Prefix}[{i}]";
            var layer = new LayerFields
            {
                Name = form[$"{at}.Name"].ToString(),
                Start = form[$"{at}.Start"].ToString(),
                Unit = form[$"{at}.Unit"].ToString(),
                Length = form[$"{at}.Length"].ToString(),
                ShiftSize = form[$"{at}.ShiftSize"].ToString(),
                Days = form[$"{at}.Days"].ToString(),
                Members = form[$"{at}.Member"].Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => m!).ToList(),
            };
            var rows = int.TryParse(form[$"{at}.RCount"], CultureInfo.InvariantCulture, out var r) ? Math.Clamp(r, 0, 50) : 0;
            for (var j = 0; j < rows; j++)
            {
                var row = new RestrictionFields
                {
                    Days = form[$"{at}.R[{j}].Day"].Select(d => Enum.TryParse<DayOfWeek>(d, ignoreCase: true, out var day) ? day : (DayOfWeek?)null)
                        .OfType<DayOfWeek>().Distinct().OrderBy(d => Array.IndexOf(Week, d)).ToList(),
                    From = form[$"{at}.R[{j}].From"].ToString(),
                    To = form[$"{at}.R[{j}].To"].ToString(),
                };
                if (row.From.Length > 0 || row.To.Length > 0)
                    layer.Restrictions.Add(row);
            }
            result.Layers.Add(layer);
        }
        return result;
    }

    /// <summary>A new layer on top: a week-long rotation from the next whole hour, nobody in it yet.</summary>
    public void AddLayer(DateTime localNow) => Layers.Add(new LayerFields
    {
        Name = $"Layer {Layers.Count + 1}",
        Start = localNow.Date.AddHours(localNow.Hour + 1).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture),
    });

    /// <summary>Add, remove or move a layer, as the pressed button says; false when the button was Save.</summary>
    public bool Apply(string? op, DateTime localNow)
    {
        if (op != "add-layer")
            return EditorOps.Apply(Layers, op);
        AddLayer(localNow);
        return true;
    }

    /// <summary>The request to save; a field that does not read is an error at the same path the API uses (definition.layers[0].start).</summary>
    public ScheduleRequest ToRequest()
    {
        var errors = new Muster.Infrastructure.Problems.Errors();
        var layers = new List<ScheduleLayer>();
        for (var i = 0; i < Layers.Count; i++)
        {
            var l = Layers[i];
            var path = $"definition.layers[{i}]";
            errors.Check(DateTime.TryParse(l.Start, CultureInfo.InvariantCulture, DateTimeStyles.None, out var start), $"{path}.start",
                "Enter the first handoff as a date and time, such as 2026-03-09 09:00.");
            errors.Check(Enum.TryParse<RotationUnit>(l.Unit, ignoreCase: true, out var unit), $"{path}.rotationUnit", "Choose hours, days or weeks.");
            errors.Check(int.TryParse(l.Length, CultureInfo.InvariantCulture, out var length), $"{path}.rotationLength", "Enter a whole number, such as 1.");
            errors.Check(int.TryParse(l.ShiftSize, CultureInfo.InvariantCulture, out var size), $"{path}.shiftSize", "Enter a whole number, such as 2 for a primary and a backup.");
            var days = l.Days switch { "workingDays" => LayerDays.WorkingDays, "nonWorkingDays" => LayerDays.NonWorkingDays, _ => LayerDays.All };
            var restrictions = new List<TimeRestriction>();
            for (var j = 0; j < l.Restrictions.Count; j++)
            {
                var r = l.Restrictions[j];
                var okFrom = TimeOnly.TryParse(r.From, CultureInfo.InvariantCulture, out var from);
                var okTo = TimeOnly.TryParse(r.To, CultureInfo.InvariantCulture, out var to);
                errors.Check(okFrom && okTo, $"{path}.restrictions[{j}]", "Enter both times of the window, such as 18:00 and 08:00.");
                if (okFrom && okTo)
                    restrictions.Add(new TimeRestriction { Days = r.Days, From = from, To = to });
            }
            layers.Add(new ScheduleLayer
            {
                Name = l.Name.Trim(),
                Start = DateTime.SpecifyKind(start, DateTimeKind.Unspecified),
                RotationUnit = unit,
                RotationLength = length,
                ShiftSize = size,
                Days = days,
                Members = l.Members,
                Restrictions = restrictions,
            });
        }
        errors.ThrowIfAny();
        return new ScheduleRequest(Name, TeamId, CalendarId, new ScheduleDefinition { TimeZone = TimeZone.Trim(), Layers = layers });
    }
}

/// <summary>
/// An escalation policy edited as plain fields, step by step: each step's targets are chosen by
/// name from one list of people, schedules and teams (values <c>person:ID</c>, <c>schedule:ID</c>,
/// <c>team:ID</c>). Like <see cref="ScheduleEditorForm"/>, fields are indexed and read from the post;
/// buttons named <c>Op</c> add, remove or move a step without saving.
/// </summary>
public sealed class PolicyEditorForm
{
    public string Name { get; set; } = "";
    public string RepeatCount { get; set; } = "0";
    public string RepeatFromStep { get; set; } = "1";
    public string ReescalateAfterMinutes { get; set; } = "";
    public List<StepFields> Steps { get; set; } = [];

    public sealed class StepFields
    {
        public string Delay { get; set; } = "5";
        public bool RequireAll { get; set; }
        public List<string> Targets { get; set; } = [];
    }

    public static string TargetValue(EscalationTarget target) => $"{JsonSerializer.Serialize(target.Type).Trim('"')}:{target.Id}";

    public static PolicyEditorForm From(string name, EscalationPolicyDefinition definition) => new()
    {
        Name = name,
        RepeatCount = definition.RepeatCount.ToString(CultureInfo.InvariantCulture),
        RepeatFromStep = definition.RepeatFromStep.ToString(CultureInfo.InvariantCulture),
        ReescalateAfterMinutes = definition.ReescalateAfterMinutes?.ToString(CultureInfo.InvariantCulture) ?? "",
        Steps = definition.Steps.Select(s => new StepFields
        {
            Delay = s.DelayMinutes.ToString(CultureInfo.InvariantCulture),
            RequireAll = s.RequireAll,
            Targets = s.Targets.Select(TargetValue).ToList(),
        }).ToList(),
    };

    public static PolicyEditorForm Read(IFormCollection form)
    {
        var result = new PolicyEditorForm
        {
            Name = form["Policy.Name"].ToString(),
            RepeatCount = form["Policy.RepeatCount"].ToString(),
            RepeatFromStep = form["Policy.RepeatFromStep"].ToString(),
            ReescalateAfterMinutes = form["Policy.ReescalateAfterMinutes"].ToString(),
        };
        var count = int.TryParse(form["StepCount"], CultureInfo.InvariantCulture, out var n) ? Math.Clamp(n, 0, 50) : 0;
        for (var i = 0; i < count; i++)
            result.Steps.Add(new StepFields
            {
                Delay = form[$"Step[{i}].Delay"].ToString(),
                RequireAll = form[$"Step[{i}].RequireAll"].Contains("true"),
                Targets = form[$"Step[{i}].Target"].Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t!).Distinct().ToList(),
            });
        return result;
    }

    /// <summary>Add, remove or move a step, as the pressed button says; false when the button was Save.</summary>
    public bool Apply(string? op)
    {
        if (op != "add-step")
            return EditorOps.Apply(Steps, op);
        Steps.Add(new StepFields());
        return true;
    }

    /// <summary>The request to save; a field that does not read is an error at the API's path (definition.steps[0].delayMinutes).</summary>
    public EscalationPolicyRequest ToRequest()
    {
        var errors = new Muster.Infrastructure.Problems.Errors()
            .Check(int.TryParse(RepeatCount, CultureInfo.InvariantCulture, out var repeat), "definition.repeatCount", "Enter a whole number from 0 to 9.")
            .Check(int.TryParse(RepeatFromStep, CultureInfo.InvariantCulture, out var from), "definition.repeatFromStep", "Enter a step number, such as 1.");
        int? reescalate = null;
        if (!string.IsNullOrWhiteSpace(ReescalateAfterMinutes))
        {
            errors.Check(int.TryParse(ReescalateAfterMinutes, CultureInfo.InvariantCulture, out var minutes), "definition.reescalateAfterMinutes",
                "Enter minutes, such as 30, or leave it empty.");
            reescalate = minutes;
        }
        var steps = new List<EscalationStep>();
        for (var i = 0; i < Steps.Count; i++)
        {
            errors.Check(int.TryParse(Steps[i].Delay, CultureInfo.InvariantCulture, out var delay), $"definition.steps[{i}].delayMinutes", "Enter minutes, such as 5.");
            var targets = new List<EscalationTarget>();
            foreach (var value in Steps[i].Targets)
            {
                var colon = value.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && Enum.TryParse<EscalationTargetType>(value[..colon], ignoreCase: true, out var type))
                    targets.Add(new EscalationTarget(type, value[(colon + 1)..]));
            }
            steps.Add(new EscalationStep { DelayMinutes = delay, RequireAll = Steps[i].RequireAll, Targets = targets });
        }
        errors.ThrowIfAny();
        return new EscalationPolicyRequest(Name, new EscalationPolicyDefinition
        {
            Steps = steps,
            RepeatCount = repeat,
            RepeatFromStep = from,
            ReescalateAfterMinutes = reescalate,
        });
    }
}

/// <summary>The editors' buttons that change a list of blocks without saving: <c>remove-N</c> and <c>up-N</c>.</summary>
internal static class EditorOps
{
    /// <summary>Applies the button to <paramref name="items"/>; false when it is none of them (Save).</summary>
    public static bool Apply<T>(List<T> items, string? op)
    {
        if (op?.StartsWith("remove-", StringComparison.Ordinal) == true && int.TryParse(op[7..], CultureInfo.InvariantCulture, out var remove) && remove < items.Count)
            items.RemoveAt(remove);
        else if (op?.StartsWith("up-", StringComparison.Ordinal) == true && int.TryParse(op[3..], CultureInfo.InvariantCulture, out var up) && up > 0 && up < items.Count)
            (items[up - 1], items[up]) = (items[up], items[up - 1]);
        else
            return false;
        return true;
    }
}
