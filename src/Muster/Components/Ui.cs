using Muster.Domain.Incidents;
using Muster.Domain.Plans;

namespace Muster.Components;

/// <summary>Resource and CSS keys for domain values, so that pages name them one way.</summary>
public static class Ui
{
    public static string Key(IncidentStatus status) => status.ToString().ToLowerInvariant();

    public static string Key(Stage stage) => stage.ToString().ToLowerInvariant();

    public static string Key(ClockState state) => state.ToString().ToLowerInvariant();
}
