using Muster.Domain.Plans;

namespace Muster.Domain.Tests;

/// <summary>Test plans written from the seeds' own rules.</summary>
public static class Plans
{
    private static LocalizedText Text(string zh, string en) => new() { ZhCn = zh, En = en };

    private static readonly SeverityLevel[] ThreeLevels =
    [
        new("L1", 1, Text("一级", "Level 1"), "#c62828"),
        new("L2", 2, Text("二级", "Level 2"), "#ef6c00"),
        new("L3", 3, Text("三级", "Level 3"), "#f9a825"),
    ];

    /// <summary>The e-payment plan: more than 10,000 users is level 1, 3,000 to 10,000 level 2; and the
    /// customer-service plan's availability, complaints, outage and funds rules on top.</summary>
    public static readonly PlanDefinition Payments = new()
    {
        Key = "payments",
        Name = Text("电子支付", "Payments"),
        Levels = ThreeLevels,
        Rules =
        [
            new() { Level = "L1", When = [new() { Fact = "affectedUsers", Gt = 10_000 }] },
            new() { Level = "L2", When = [new() { Fact = "affectedUsers", Gte = 3_000, Lte = 10_000 }] },
            new() { Level = "L1", When = [new() { Fact = "availabilityPercent", Lt = 70 }] },
            new() { Level = "L2", When = [new() { Fact = "complaintGrowthPercent", Gt = 50 }] },
            new() { Level = "L1", When = [new() { Fact = "outageMinutes", Gt = 240 }] },
            new() { Level = "L1", When = [new() { Fact = "fundsAtRisk", Is = true }] },
        ],
        Sla = new Dictionary<string, StageTargets>
        {
            ["L1"] = new() { Acknowledge = 5, Assess = 15, Repair = 30, Restore = 120, Verify = 30 },
            ["L2"] = new() { Acknowledge = 15, Assess = 30, Repair = 60, Restore = 240, Verify = 60 },
            ["L3"] = new() { Acknowledge = 30, Restore = 1440 },
        },
    };

    /// <summary>The kiosk plan's A/B/C by the condition of what failed.</summary>
    public static readonly PlanDefinition Kiosk = new()
    {
        Key = "kiosk",
        Name = Text("自助缴费", "Kiosks"),
        Levels =
        [
            new("A", 1, Text("A类", "A"), "#c62828"),
            new("B", 2, Text("B类", "B"), "#ef6c00"),
            new("C", 3, Text("C类", "C"), "#f9a825"),
        ],
        Rules =
        [
            new() { Level = "A", When = [new() { Fact = "condition", In = ["down"] }] },
            new() { Level = "B", When = [new() { Fact = "condition", In = ["partial"] }] },
            new() { Level = "C", When = [new() { Fact = "condition", In = ["minor"] }] },
        ],
    };
}
