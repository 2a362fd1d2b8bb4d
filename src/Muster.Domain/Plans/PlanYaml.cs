using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Muster.Domain.Plans;

/// <summary>An error in a plan at its JSON path and its place in the text (1-based; 0 when unknown).</summary>
public sealed record PlanProblem(string Path, string Message, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{Line}:{Column}: {Message}" : Message;
}

/// <summary>A plan read from text: the definition when it could be read, and every error in it.</summary>
public sealed record PlanParseResult(PlanDefinition? Plan, IReadOnlyList<PlanProblem> Errors)
{
    public bool Valid => Plan is not null && Errors.Count == 0;
}

/// <summary>
/// Plans as YAML (or JSON, which is YAML too). The text is read into the JSON model field by field
/// against the plan's types, remembering where each field is written, so that every error (an
/// unknown field, a wrong type, and each of <see cref="PlanValidator"/>'s) names its line and column.
/// </summary>
public static class PlanYaml
{
    public static PlanParseResult Parse(string text)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            var message = e.InnerException is YamlException inner && inner.Message != e.Message ? inner.Message : e.Message;
            return new(null, [new("", $"This is not valid YAML: {Clean(message)}", (int)e.Start.Line, (int)e.Start.Column)]);
        }
        catch (InvalidOperationException)
        {
            // The scanner gives up without a mark on some unfinished text (an unclosed flow mapping): say where it was.
            var mark = parser.Current?.End ?? Mark.Empty;
            return new(null, [new("", "This is not valid YAML: a '{' or '[' is not closed, or a quote is not ended, after here.", (int)mark.Line, (int)mark.Column)]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return new(null, [new("", "The file is empty; a plan starts with key, name and levels.", 1, 1)]);
        if (stream.Documents.Count > 1)
            return new(null, [new("", "A file holds one plan; remove the second document (after ---).",
                (int)stream.Documents[1].RootNode.Start.Line, (int)stream.Documents[1].RootNode.Start.Column)]);

        var reader = new Reader();
        var json = reader.Read(stream.Documents[0].RootNode, typeof(PlanDefinition), "", null);
        PlanDefinition plan;
        try
        {
            plan = json!.Deserialize<PlanDefinition>(PlanJson.Options)!;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            if (reader.Errors.Count > 0)
                return new(null, reader.Errors);
            var path = (e is JsonException j ? j.Path ?? "" : "").TrimStart('$', '.');
            var (line, column) = reader.Locate(path);
            return new(null, [new(path, $"This cannot be read: {e.Message.Split(" Path:")[0]}", line, column)]);
        }
        // With the fields that could be read, the plan's own rules are checked too, so that every error is listed at once.
        var seen = reader.Errors.Select(e => e.Path).ToHashSet();
        var errors = reader.Errors.Concat(PlanValidator.Validate(plan).Where(e => !seen.Contains(e.Path)).Select(e =>
        {
            var (line, column) = reader.Locate(e.Path);
            return new PlanProblem(e.Path, e.Message, line, column);
        })).OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
        return new(reader.Errors.Count > 0 ? null : plan, errors);
    }

    /// <summary>Writes a plan as YAML, leaving out empty lists and defaults that say nothing.</summary>
    public static string Write(PlanDefinition plan)
    {
        var node = JsonSerializer.SerializeToNode(plan, PlanJson.Options)!;
        var document = new YamlDocument(ToYaml(node, null)!);
        var writer = new StringWriter { NewLine = "\n" };
        new YamlStream(document).Save(writer, assignAnchors: false);
        var yaml = writer.ToString().TrimEnd();
        if (yaml.EndsWith("...", StringComparison.Ordinal))
            yaml = yaml[..^3].TrimEnd();
        return yaml + "\n";
    }

    /// <summary>Booleans whose false is their default and says nothing when written.</summary>
    private static readonly HashSet<string> QuietFalse = ["group", "mitigation", "businessHours", "oncall"];

    private static YamlNode? ToYaml(JsonNode? node, string? name)
    {
        switch (node)
        {
            case JsonObject o:
                var mapping = new YamlMappingNode();
                foreach (var (key, value) in o)
                {
                    if (value is JsonArray { Count: 0 } or JsonObject { Count: 0 } or null)
                        continue;
                    if (QuietFalse.Contains(key) && value is JsonValue v && v.GetValueKind() == JsonValueKind.False)
                        continue;
                    if (ToYaml(value, key) is { } child)
                        mapping.Add(new YamlScalarNode(key) { Style = NeedsQuotes(key) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any }, child);
                }
                return mapping;
            case JsonArray a:
                var sequence = new YamlSequenceNode();
                foreach (var item in a)
                    sequence.Add(ToYaml(item, null) ?? new YamlScalarNode("null"));
                if (a.All(i => i is JsonValue) && a.Count <= 8)
                    sequence.Style = YamlDotNet.Core.Events.SequenceStyle.Flow;
                return sequence;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var s = value.GetValue<string>();
                return new YamlScalarNode(s)
                {
                    Style = s.Contains('\n') ? ScalarStyle.Literal : NeedsQuotes(s) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any,
                };
            case JsonValue value:
                return new YamlScalarNode(value.ToJsonString()) { Style = ScalarStyle.Plain };
            default:
                _ = name;
                return null;
        }
    }

    /// <summary>Text that plain YAML would read as something else (a number, true, null) or not at all.</summary>
    private static bool NeedsQuotes(string s) =>
        s.Length == 0 || s.Trim() != s || IsNull(s) || IsBool(s) is not null ||
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ||
        "{[&*!|>'\"%@`#-?:,".Contains(s[0]) || s.Contains(": ") || s.Contains(" #");

    private static bool IsNull(string s) => s is "~" or "null" or "Null" or "NULL";

    private static bool? IsBool(string s) => s switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => null,
    };

    private static string Clean(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", "").TrimEnd('.') + ".";

    /// <summary>What each part of a plan is called in messages.</summary>
    private static readonly Dictionary<Type, string> Names = new()
    {
        [typeof(PlanDefinition)] = "a plan",
        [typeof(LocalizedText)] = "a text",
        [typeof(SeverityLevel)] = "a level",
        [typeof(ClassificationRule)] = "a rule",
        [typeof(Condition)] = "a condition",
        [typeof(StageTargets)] = "SLA targets",
        [typeof(NotifyEntry)] = "a notify entry",
        [typeof(AlertSeverityMapping)] = "an alert severity mapping",
        [typeof(ImpactFacts)] = "impact facts",
        [typeof(PlanScope)] = "the scope",
        [typeof(FaultCategory)] = "a category",
        [typeof(BusinessHours)] = "businessHours",
        [typeof(PlanRole)] = "a role",
        [typeof(RoleDefault)] = "a role's default",
        [typeof(Checklist)] = "a checklist",
        [typeof(ChecklistStep)] = "a checklist step",
        [typeof(ReviewRule)] = "review",
        [typeof(UpwardReport)] = "an upward report",
        [typeof(CommunicationRule)] = "communication",
    };

    public static string NameOf(Type type) => Names.TryGetValue(type, out var name) ? name : type.Name;

    /// <summary>The fields of a part of a plan as written in JSON and YAML, with whether each must be there.</summary>
    public static IReadOnlyList<(string Name, PropertyInfo Property, bool Required)> FieldsOf(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        var positional = constructor?.GetParameters().ToDictionary(p => p.Name!, p => !p.HasDefaultValue, StringComparer.OrdinalIgnoreCase)
            ?? [];
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .Select(p => (
                p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name),
                p,
                p.GetCustomAttribute<RequiredMemberAttribute>() is not null || (positional.TryGetValue(p.Name, out var r) && r)))
            .ToList();
    }

    private static Type? ElementOf(Type type, Type generic) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == generic ? type.GetGenericArguments()[^1] : null;

    private sealed class Reader
    {
        private readonly Dictionary<string, Mark> places = [];
        public List<PlanProblem> Errors { get; } = [];

        public (int Line, int Column) Locate(string path)
        {
            while (true)
            {
                if (places.TryGetValue(path, out var mark))
                    return ((int)mark.Line, (int)mark.Column);
                if (path.Length == 0)
                    return (0, 0);
                var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
                path = cut < 0 ? "" : path[..cut];
            }
        }

        private void Error(string path, Mark mark, string message) =>
            Errors.Add(new(path, message, (int)mark.Line, (int)mark.Column));

        private static string Field(string path)
        {
            if (path.Length == 0)
                return "The plan";
            var cut = path.LastIndexOf('.');
            return path[(cut + 1)..];
        }

        public JsonNode? Read(YamlNode node, Type type, string path, Mark? keyMark)
        {
            places[path] = keyMark ?? node.Start;
            var underlying = Nullable.GetUnderlyingType(type);
            var nullable = underlying is not null || !type.IsValueType;
            type = underlying ?? type;

            if (node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } nullScalar && (nullScalar.Value is null or "" || IsNull(nullScalar.Value)))
            {
                if (!nullable)
                    Error(path, node.Start, $"{Field(path)} needs a value here.");
                return null;
            }

            if (type == typeof(string))
            {
                if (node is YamlScalarNode text)
                    return JsonValue.Create(text.Value);
                Error(path, node.Start, $"{Field(path)} is a single text value here, not {Shape(node)}.");
                return null;
            }
            if (type == typeof(int) || type == typeof(double) || type == typeof(bool) || type.IsEnum)
                return ReadScalar(node, type, path);

            if (ElementOf(type, typeof(IReadOnlyDictionary<,>)) is { } valueType)
            {
                if (node is not YamlMappingNode map)
                {
                    Error(path, node.Start, $"{Field(path)} is a mapping here (name: value on each line), not {Shape(node)}.");
                    return null;
                }
                var result = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    result[name] = Read(value, valueType, childPath, key.Start);
                }
                return result;
            }
            if (ElementOf(type, typeof(IReadOnlyList<>)) is { } itemType)
            {
                if (node is not YamlSequenceNode list)
                {
                    Error(path, node.Start, $"{Field(path)} is a list here (each item on a line starting with '- ', or [a, b]), not {Shape(node)}.");
                    return null;
                }
                var result = new JsonArray();
                var i = 0;
                foreach (var item in list.Children)
                    result.Add(Read(item, itemType, $"{path}[{i++}]", null));
                return result;
            }
            return ReadObject(node, type, path);
        }

        private JsonObject? ReadObject(YamlNode node, Type type, string path)
        {
            var fields = FieldsOf(type);
            var allowed = string.Join(", ", fields.Select(f => f.Name));
            if (node is not YamlMappingNode map)
            {
                Error(path, node.Start, $"{Field(path)} is {NameOf(type)}, written as fields: {allowed}; not {Shape(node)}.");
                return null;
            }
            var result = new JsonObject();
            foreach (var (key, value) in map.Children)
            {
                if (key is not YamlScalarNode { Value: { } name })
                {
                    Error(path, key.Start, $"A field name is a single word; allowed in {NameOf(type)}: {allowed}.");
                    continue;
                }
                var childPath = path.Length == 0 ? name : $"{path}.{name}";
                var field = fields.FirstOrDefault(f => f.Name == name);
                if (field.Name is null)
                {
                    var near = fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)).Name;
                    Error(childPath, key.Start, $"'{name}' is not a field of {NameOf(type)}; {(near is null ? "" : $"did you mean '{near}'? ")}allowed: {allowed}.");
                    continue;
                }
                result[name] = Read(value, field.Property.PropertyType, childPath, key.Start);
            }
            foreach (var missing in fields.Where(f => f.Required && !map.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == f.Name)))
                Error(path, node.Start, $"{Capital(NameOf(type))} needs '{missing.Name}'; its fields are: {allowed}.");
            return result;
        }

        private JsonNode? ReadScalar(YamlNode node, Type type, string path)
        {
            if (node is not YamlScalarNode { Value: { } value } scalar)
            {
                Error(path, node.Start, $"{Field(path)} is a single value here, not {Shape(node)}.");
                return null;
            }
            var quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted;
            if (type == typeof(int))
            {
                if (!quoted && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                    return JsonValue.Create(n);
                Error(path, node.Start, $"{Field(path)} is a whole number, such as 30; not '{value}'.");
            }
            else if (type == typeof(double))
            {
                if (!quoted && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                    return JsonValue.Create(d);
                Error(path, node.Start, $"{Field(path)} is a number, such as 3 or 99.5; not '{value}'.");
            }
            else if (type == typeof(bool))
            {
                if (!quoted && IsBool(value) is { } b)
                    return JsonValue.Create(b);
                Error(path, node.Start, $"{Field(path)} is true or false; not '{value}'.");
            }
            else
            {
                var names = Enum.GetNames(type).Select(JsonNamingPolicy.CamelCase.ConvertName).ToList();
                var match = names.FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase));
                if (match is not null)
                    return JsonValue.Create(match);
                Error(path, node.Start, $"'{value}' is not a {Field(path)}; use one of {string.Join(", ", names)}.");
            }
            return null;
        }

        private static string Shape(YamlNode node) => node switch
        {
            YamlMappingNode => "a mapping of fields",
            YamlSequenceNode => "a list",
            YamlScalarNode s => $"'{s.Value}'",
            _ => "this",
        };

        private static string Capital(string s) => char.ToUpperInvariant(s[0]) + s[1..];
    }
}
