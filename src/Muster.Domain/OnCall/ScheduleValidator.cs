namespace Muster.Domain.OnCall;

/// <summary>A problem in an on-call definition, at a JSON path such as <c>layers[1].shiftSize</c> (indexes from 0).</summary>
public sealed record OnCallIssue(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

public static class ScheduleValidator
{
    /// <summary>Everything that would make a schedule unusable or surprising, each at its path.</summary>
    public static IReadOnlyList<OnCallIssue> Validate(ScheduleDefinition schedule)
    {
        var errors = new List<OnCallIssue>();
        if (!ZoneTime.TryFind(schedule.TimeZone, out _))
            errors.Add(new("timeZone", $"'{schedule.TimeZone}' is not a time zone; use an IANA id such as Asia/Shanghai."));
        if (schedule.Layers.Count == 0)
            errors.Add(new("layers", "A schedule needs at least one layer."));
        for (var i = 0; i < schedule.Layers.Count; i++)
        {
            var layer = schedule.Layers[i];
            var path = $"layers[{i}]";
            if (string.IsNullOrWhiteSpace(layer.Name))
                errors.Add(new($"{path}.name", "A layer needs a name, such as 'Primary' or 'Nights'."));
            // JSON with an offset ("+08:00") is read as the server's local time, not the schedule's.
            if (layer.Start.Kind == DateTimeKind.Local)
                errors.Add(new($"{path}.start", "start is a wall time in the schedule's time zone, written without an offset, such as 2026-01-05T09:00:00."));
            if (!Enum.IsDefined(layer.RotationUnit))
                errors.Add(new($"{path}.rotationUnit", "rotationUnit is one of: hours, days, weeks."));
            if (layer.RotationLength < 1)
                errors.Add(new($"{path}.rotationLength", "A turn lasts 1 or more rotation units."));
            if (layer.Members.Count == 0)
                errors.Add(new($"{path}.members", "A layer needs at least one member."));
            for (var m = 0; m < layer.Members.Count; m++)
            {
                if (string.IsNullOrWhiteSpace(layer.Members[m]))
                    errors.Add(new($"{path}.members[{m}]", "A member is a person id."));
            }
            if (layer.ShiftSize < 1)
                errors.Add(new($"{path}.shiftSize", "A shift has 1 or more people."));
            else if (layer.Members.Count > 0 && layer.ShiftSize > layer.Members.Count)
                errors.Add(new($"{path}.shiftSize", $"A shift of {layer.ShiftSize} needs at least {layer.ShiftSize} members; the layer has {layer.Members.Count}."));
            else if (layer.Members.Count > 0 && layer.Members.Distinct().Count() < layer.Members.Count && layer.ShiftSize > 1)
                errors.Add(new($"{path}.members", "A member listed twice could be on call twice in one shift; list each person once when the shift has several people."));
            if (!Enum.IsDefined(layer.Days))
                errors.Add(new($"{path}.days", "days is one of: all, workingDays, nonWorkingDays."));
            for (var r = 0; r < layer.Restrictions.Count; r++)
            {
                if (layer.Restrictions[r].Days.Any(d => !Enum.IsDefined(d)))
                    errors.Add(new($"{path}.restrictions[{r}].days", "Days are monday to sunday."));
            }
        }
        return errors;
    }

    /// <summary>What makes an override meaningless, each at its field.</summary>
    public static IReadOnlyList<OnCallIssue> ValidateOverride(Override o)
    {
        var errors = new List<OnCallIssue>();
        if (o.End <= o.Start)
            errors.Add(new("end", "An override ends after it starts."));
        if (!Enum.IsDefined(o.Kind))
            errors.Add(new("kind", "kind is one of: add, remove, replace."));
        if (string.IsNullOrWhiteSpace(o.PersonId))
            errors.Add(new("personId", "An override names the person added, removed or put in someone's place."));
        if (o.Kind == OverrideKind.Replace && string.IsNullOrWhiteSpace(o.ReplacesPersonId))
            errors.Add(new("replacesPersonId", "A replacement names the person who steps aside."));
        else if (o.Kind == OverrideKind.Replace && o.ReplacesPersonId == o.PersonId)
            errors.Add(new("replacesPersonId", "A person cannot replace themselves."));
        else if (o.Kind != OverrideKind.Replace && o.ReplacesPersonId is not null)
            errors.Add(new("replacesPersonId", "Only a replacement names someone who steps aside."));
        return errors;
    }
}
