using System.Text.Json;
using System.Text.Json.Serialization;

namespace Muster.Domain.Plans;

/// <summary>How a plan is written as JSON: camelCase, stages as camelCase strings, nulls left out.</summary>
public static class PlanJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter<Stage>(JsonNamingPolicy.CamelCase) },
    };
}
