using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

/// <summary>docs/plan.schema.json against the example plans and against the plan's own types, so that they cannot drift.</summary>
public sealed class PlanSchemaTests
{
    private static readonly string SchemaPath = Path.Combine(PlanYamlTests.PlansFolder(), "..", "docs", "plan.schema.json");

    private static JsonSchema Schema() => JsonSchema.FromText(File.ReadAllText(SchemaPath));

    private static JsonNode Json(PlanDefinition plan) => JsonSerializer.SerializeToNode(plan, PlanJson.Options)!;

    [Theory]
    [MemberData(nameof(PlanYamlTests.ExamplePlans), MemberType = typeof(PlanYamlTests))]
    public void Every_example_plan_passes_the_schema_and_the_validator(string key)
    {
        var parsed = PlanYaml.Parse(File.ReadAllText(Path.Combine(PlanYamlTests.PlansFolder(), $"{key}.yaml")));
        Assert.Empty(parsed.Errors);

        var result = Schema().Evaluate(Json(parsed.Plan!), new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.True(result.IsValid, string.Join("; ", result.Details.Where(d => d.HasErrors).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    [Fact]
    public void The_schema_refuses_an_unknown_field_and_a_wrong_stage()
    {
        var node = Json(PlanYaml.Parse(File.ReadAllText(Path.Combine(PlanYamlTests.PlansFolder(), "kiosk.yaml"))).Plan!);
        node["checklists"]![0]!["steps"]![0]!["owner"] = "tech";
        Assert.False(Schema().Evaluate(node).IsValid);
        node["checklists"]![0]!["steps"]![0]!.AsObject().Remove("owner");
        Assert.True(Schema().Evaluate(node).IsValid);
        node["checklists"]![0]!["steps"]![0]!["stage"] = "later";
        Assert.False(Schema().Evaluate(node).IsValid);
    }

    [Fact]
    public void The_schema_names_exactly_the_fields_of_each_part_of_a_plan()
    {
        var schema = JsonNode.Parse(File.ReadAllText(SchemaPath))!;
        var checkedTypes = 0;
        void Compare(Type type, JsonNode definition)
        {
            var fields = PlanYaml.FieldsOf(type);
            Assert.Equal(fields.Select(f => f.Name).Order(), definition["properties"]!.AsObject().Select(p => p.Key).Order());
            Assert.Equal(fields.Where(f => f.Required).Select(f => f.Name).Order(),
                (definition["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? []).Order());
            Assert.False(definition["additionalProperties"]!.GetValue<bool>());
            checkedTypes++;
        }
        Compare(typeof(PlanDefinition), schema);
        foreach (var type in typeof(PlanDefinition).Assembly.GetTypes().Where(t => t.Namespace == typeof(PlanDefinition).Namespace && schema["$defs"]![t.Name] is not null))
            Compare(type, schema["$defs"]![type.Name]!);
        Assert.Equal(schema["$defs"]!.AsObject().Count + 1, checkedTypes);
    }
}
