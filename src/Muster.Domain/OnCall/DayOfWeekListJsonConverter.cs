using System.Text.Json;
using System.Text.Json.Serialization;

namespace Muster.Domain.OnCall;

/// <summary>
/// Days of the week as lowercase English names (<c>["monday","friday"]</c>): <see cref="DayOfWeek"/>
/// is not ours to annotate, and numbers would be read differently by people who start the week on Sunday.
/// </summary>
public sealed class DayOfWeekListJsonConverter : JsonConverter<IReadOnlyList<DayOfWeek>>
{
    public override IReadOnlyList<DayOfWeek> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("Days are a list of weekday names, such as [\"monday\", \"friday\"].");
        var days = new List<DayOfWeek>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (name is null || !Enum.TryParse<DayOfWeek>(name, ignoreCase: true, out var day) || int.TryParse(name, out _))
                throw new JsonException($"'{name}' is not a day; use monday, tuesday, wednesday, thursday, friday, saturday or sunday.");
            days.Add(day);
        }
        return days;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<DayOfWeek> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var day in value)
            writer.WriteStringValue(day.ToString().ToLowerInvariant());
        writer.WriteEndArray();
    }
}
