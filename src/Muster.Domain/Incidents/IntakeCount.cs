namespace Muster.Domain.Incidents;

/// <summary>What has come in for one incident: the facts Muster counts rather than a person enters.</summary>
public sealed record IntakeCount(int Reports, int Devices, double? ComplaintGrowthPercent)
{
    /// <summary>How many days of history make an hour's normal.</summary>
    public const int NormalDays = 28;

    /// <summary>
    /// Growth in percent of the reports on a service in the hour before <paramref name="now"/> over
    /// that hour's normal: the mean count in the same hour of the previous <see cref="NormalDays"/>
    /// days. A quiet hour's normal counts as one report, so that a sudden burst on a service that
    /// never complains is growth and not a division by zero. Null when nothing came in this hour.
    /// </summary>
    /// <param name="received">When each report on the service arrived, over at least the last <see cref="NormalDays"/> days and this hour.</param>
    public static double? ComplaintGrowth(IEnumerable<DateTime> received, DateTime now)
    {
        var hour = TimeSpan.FromHours(1);
        var thisHour = 0;
        var before = 0;
        foreach (var at in received)
        {
            var age = now - at;
            if (age < TimeSpan.Zero)
                continue;
            if (age < hour)
            {
                thisHour++;
                continue;
            }
            // Same hour of an earlier day: age within [d days, d days + 1 hour) for d in 1..NormalDays.
            var days = (int)Math.Floor(age.TotalDays);
            if (days is >= 1 and <= NormalDays && age - TimeSpan.FromDays(days) < hour)
                before++;
        }
        if (thisHour == 0)
            return null;
        var normal = Math.Max(1.0, (double)before / NormalDays);
        return Math.Round((thisHour - normal) / normal * 100, 1);
    }
}
