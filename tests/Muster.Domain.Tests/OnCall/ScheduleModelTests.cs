using System.Text.Encodings.Web;
using System.Text.Json;
using Muster.Domain.OnCall;
using static Muster.Domain.Tests.OnCall.OnCallBuilders;

namespace Muster.Domain.Tests.OnCall;

public sealed class ScheduleModelTests
{
    private static readonly ScheduleDefinition ThreeLayers = Schedule(
        Shanghai,
        Layer(Local(2026, 1, 5, 9), "a", "b", "c", "d") with { Name = "Primary", ShiftSize = 2 },
        Layer(Local(2026, 1, 5, 18), "n1", "n2", "n3") with
        {
            Name = "Nights",
            RotationUnit = RotationUnit.Hours,
            RotationLength = 12,
            Restrictions = [Window(18, 8, DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday)],
        },
        Layer(Local(2026, 1, 3, 9), "w1", "w2") with { Name = "Days off", RotationUnit = RotationUnit.Weeks, Days = LayerDays.NonWorkingDays });

    [Fact]
    public void A_schedule_round_trips_through_web_json_in_camel_case_with_named_enums()
    {
        var json = JsonSerializer.Serialize(ThreeLayers, JsonSerializerOptions.Web);
        Assert.Contains("\"timeZone\":\"Asia/Shanghai\"", json);
        Assert.Contains("\"rotationUnit\":\"hours\"", json);
        Assert.Contains("\"days\":\"nonWorkingDays\"", json);
        Assert.Contains("\"days\":[\"monday\",\"tuesday\",\"wednesday\",\"thursday\",\"friday\"]", json);
        Assert.Contains("\"from\":\"18:00:00\"", json);
        Assert.Contains("\"start\":\"2026-01-05T09:00:00\"", json);
        var back = JsonSerializer.Deserialize<ScheduleDefinition>(json, JsonSerializerOptions.Web)!;
        Assert.Equal(JsonSerializer.Serialize(back, JsonSerializerOptions.Web), json);
        Assert.Equal(ThreeLayers.Layers[1].Restrictions[0], back.Layers[1].Restrictions[0]);
    }

    [Fact]
    public void A_hand_written_schedule_reads_with_short_times_and_any_case()
    {
        const string json = """
            {"timeZone":"Asia/Shanghai","layers":[{"name":"Nights","start":"2026-01-01T18:00:00","members":["a"],
             "rotationUnit":"weeks","days":"workingDays","restrictions":[{"days":["Friday"],"from":"18:00","to":"08:00"}]}]}
            """;
        var schedule = JsonSerializer.Deserialize<ScheduleDefinition>(json, JsonSerializerOptions.Web)!;
        var layer = Assert.Single(schedule.Layers);
        Assert.Equal(RotationUnit.Weeks, layer.RotationUnit);
        Assert.Equal(1, layer.ShiftSize);
        Assert.Equal(LayerDays.WorkingDays, layer.Days);
        Assert.Equal(Window(18, 8, DayOfWeek.Friday), layer.Restrictions[0]);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<TimeRestriction>("""{"days":["funday"]}""", JsonSerializerOptions.Web));
    }

    [Fact]
    public void Overrides_and_calendars_serialize_with_named_kinds()
    {
        var json = JsonSerializer.Serialize(Ov(OverrideKind.Replace, Utc(2026, 3, 2), Utc(2026, 3, 3), "x", "a"), JsonSerializerOptions.Web);
        Assert.Contains("\"kind\":\"replace\"", json);
        Assert.Contains("\"replacesPersonId\":\"a\"", json);
        var calendar = ChinaCalendar.ForYear(2026);
        var calendarJson = JsonSerializer.Serialize(calendar, JsonSerializerOptions.Web);
        var relaxed = new JsonSerializerOptions(JsonSerializerOptions.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        Assert.Equal(
            "{\"date\":\"2026-02-14\",\"kind\":\"workday\",\"name\":\"春节调休上班 Spring Festival make-up working day\"}",
            JsonSerializer.Serialize(calendar.Days[4], relaxed));
        var back = JsonSerializer.Deserialize<WorkingCalendar>(calendarJson, JsonSerializerOptions.Web)!;
        Assert.Equal(calendar, back);
        Assert.True(back.IsWorkingDay(new(2026, 2, 14)));
    }

    [Fact]
    public void A_year_of_a_three_layer_schedule_with_fifty_overrides_resolves_into_contiguous_segments()
    {
        // Speed is not asserted here (a timed unit test fails on a busy machine, not on slow code).
        var calendar = ChinaCalendar.ForYear(2026);
        var overrides = Enumerable.Range(0, 50)
            .Select(i => Ov(OverrideKind.Replace, Utc(2026, 1, 1).AddDays(i * 7), Utc(2026, 1, 1).AddDays(i * 7 + 2), "x", "a"))
            .ToArray();
        var segments = ScheduleResolver.Resolve(ThreeLayers, calendar, overrides, Utc(2026, 1, 1), Utc(2027, 1, 1));
        // Contiguous and covering the year.
        Assert.Equal(Utc(2026, 1, 1), segments[0].Start);
        Assert.Equal(Utc(2027, 1, 1), segments[^1].End);
        Assert.All(segments.Zip(segments.Skip(1)), pair => Assert.Equal(pair.First.End, pair.Second.Start));
        Assert.True(segments.Count > 700);
    }

    [Fact]
    public void A_valid_schedule_has_no_issues()
    {
        Assert.Empty(ScheduleValidator.Validate(ThreeLayers));
    }

    [Fact]
    public void Schedule_issues_name_their_paths()
    {
        var schedule = new ScheduleDefinition
        {
            TimeZone = "Asia/Beijing",
            Layers =
            [
                Layer(Local(2026, 1, 1), "a", "b") with { Name = "", ShiftSize = 3, RotationLength = 0 },
                Layer(Local(2026, 1, 1), "a", " ", "a") with { ShiftSize = 2 },
                Layer(Local(2026, 1, 1)) with { ShiftSize = 0 },
            ],
        };
        var issues = ScheduleValidator.Validate(schedule);
        Assert.Equal(
            [
                "timeZone", "layers[0].name", "layers[0].rotationLength", "layers[0].shiftSize",
                "layers[1].members[1]", "layers[1].members", "layers[2].members", "layers[2].shiftSize",
            ],
            issues.Select(i => i.Path));
        Assert.Equal("'Asia/Beijing' is not a time zone; use an IANA id such as Asia/Shanghai.", issues[0].Message);
        Assert.Equal("A shift of 3 needs at least 3 members; the layer has 2.", issues[3].Message);
        Assert.Equal("layers", Assert.Single(ScheduleValidator.Validate(new ScheduleDefinition { TimeZone = "UTC" })).Path);
    }

    [Fact]
    public void A_layer_start_written_with_an_offset_is_refused()
    {
        const string json = """{"timeZone":"Asia/Shanghai","layers":[{"name":"x","start":"2026-01-05T09:00:00+08:00","members":["a"]}]}""";
        var schedule = JsonSerializer.Deserialize<ScheduleDefinition>(json, JsonSerializerOptions.Web)!;
        Assert.Equal("layers[0].start", Assert.Single(ScheduleValidator.Validate(schedule)).Path);
        var utc = JsonSerializer.Deserialize<ScheduleDefinition>(json.Replace("+08:00", "Z", StringComparison.Ordinal), JsonSerializerOptions.Web)!;
        Assert.Empty(ScheduleValidator.Validate(utc));
        Assert.Equal("a", Who(utc, Utc(2026, 1, 5, 1)));
        Assert.Equal("", Who(utc, Utc(2026, 1, 5, 0, 59)));
    }
}
