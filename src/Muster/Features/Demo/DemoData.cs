using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.OnCall;
using Muster.Domain.People;
using Muster.Features.Intake;
using Muster.Features.OnCall;
using Muster.Features.People;
using Muster.Features.Plans;
using Muster.Features.Services;
using Muster.Features.Teams;

namespace Muster.Features.Demo;

/// <summary>
/// An example organisation: the five domains of the users' own plans, each with a team, people,
/// a service and its plan. Loading it twice changes nothing.
/// </summary>
public static class DemoData
{
    private sealed record Domain(string PlanKey, string Team, string TeamDescription, string Service, string ServiceDescription, (string Email, string Name, string Role)[] People);

    private static readonly Domain[] Domains =
    [
        new("kiosk", "自助设备技术支持组", "Kiosk technical support", "自助缴费终端", "Self-service payment kiosks in the service halls",
            [("wang.lei@example.com", "王磊", Roles.Manager), ("li.na@example.com", "李娜", Roles.Responder)]),
        new("epay", "支付运维组", "E-payment operations", "电子支付平台", "Online and in-app payments",
            [("zhang.wei@example.com", "张伟", Roles.Manager), ("liu.yang@example.com", "刘洋", Roles.Responder)]),
        new("campus", "一卡通运维组", "Campus card operations", "校园一卡通", "Card readers, top-up machines and door access",
            [("chen.jing@example.com", "陈静", Roles.Responder)]),
        new("courier", "分拣与信息系统组", "Sorting lines and order systems", "快递分拣与订单系统", "Order system and automated sorting lines",
            [("zhao.min@example.com", "赵敏", Roles.Responder)]),
        new("customer-service", "客服渠道保障组", "Customer service channels", "客服热线与APP", "Hotline, app, website and social media channels",
            [("sun.li@example.com", "孙丽", Roles.Manager), ("zhou.qiang@example.com", "周强", Roles.Viewer)]),
    ];

    /// <summary>Loads what is missing; returns how many items were new, and each demo service's events integration.</summary>
    public static async Task<int> LoadAsync(MusterDb db, DateTime now, CancellationToken ct = default) =>
        (await LoadWithIntegrationsAsync(db, now, ct)).Created;

    public static async Task<(int Created, List<(string Service, Integration Integration)> Integrations)> LoadWithIntegrationsAsync(MusterDb db, DateTime now, CancellationToken ct = default)
    {
        var created = 0;
        var integrations = new List<(string, Integration)>();
        foreach (var domain in Domains)
        {
            var plan = await db.Plans.FirstOrDefaultAsync(p => p.Key == domain.PlanKey, ct);
            if (plan is null)
            {
                var version = await PlanEndpoints.SaveBuiltinAsync(db, domain.PlanKey, now, ct);
                plan = await db.Plans.FirstAsync(p => p.Id == version.PlanId, ct);
                created++;
            }
            var team = await db.Teams.FirstOrDefaultAsync(t => t.Name == domain.Team, ct)
                ?? await TeamEndpoints.CreateAsync(db, new TeamRequest(domain.Team, domain.TeamDescription), null, now, ct);
            foreach (var (email, name, role) in domain.People)
            {
                if (!await db.People.AnyAsync(p => p.Email == email, ct))
                {
                    await PeopleEndpoints.CreateAsync(db, new PersonRequest(email, name, role, "zh-CN", team.Id), null, now, ct);
                    created++;
                }
            }
            if (!await db.Services.AnyAsync(s => s.Name == domain.Service, ct))
            {
                await ServiceEndpoints.SaveAsync(db, null, new ServiceRequest(domain.Service, domain.ServiceDescription, team.Id, plan.Id), null, now, ct);
                created++;
            }
            var serviceId = await db.Services.Where(s => s.Name == domain.Service).Select(s => s.Id).FirstAsync(ct);
            var integration = await db.Integrations.FirstOrDefaultAsync(i => i.ServiceId == serviceId && i.Type == "events", ct)
                ?? await IntegrationEndpoints.CreateAsync(db, serviceId, new IntegrationRequest("events", "Monitoring (events API)"), null, now, ct);
            integrations.Add((domain.Service, integration));
            created += await OnCallAsync(db, domain, team.Id, serviceId, now, ct);
        }
        return (created, integrations);
    }

    /// <summary>
    /// Every demo person can be emailed; a team schedule covers every hour of every day (a daily
    /// handoff at 09:00, two a shift where the team has two); the service's policy pages it at once,
    /// then the whole team after 5 minutes, twice more.
    /// </summary>
    private static async Task<int> OnCallAsync(MusterDb db, Domain domain, string teamId, string serviceId, DateTime now, CancellationToken ct)
    {
        var created = 0;
        var emails = domain.People.Select(p => p.Email).ToList();
        var people = await db.People.Where(p => emails.Contains(p.Email)).OrderBy(p => p.Email).ToListAsync(ct);
        foreach (var person in people.Where(p => !db.ContactMethods.Any(m => m.PersonId == p.Id && m.Type == "email")))
        {
            db.ContactMethods.Add(new ContactMethod { PersonId = person.Id, Type = "email", Address = person.Email, Label = "demo", CreatedAt = now });
            created++;
        }
        var scheduleName = $"{domain.Team} 值班";
        var schedule = await db.Schedules.FirstOrDefaultAsync(s => s.Name == scheduleName, ct);
        if (schedule is null)
        {
            var definition = new ScheduleDefinition
            {
                TimeZone = "Asia/Shanghai",
                Layers =
                [
                    new ScheduleLayer
                    {
                        Name = "24h",
                        Start = new DateTime(2026, 1, 1, 9, 0, 0, DateTimeKind.Unspecified),
                        RotationUnit = RotationUnit.Days,
                        RotationLength = 1,
                        Members = people.Select(p => p.Id).ToList(),
                        ShiftSize = Math.Min(2, people.Count),
                    },
                ],
            };
            schedule = new Schedule { Name = scheduleName, TeamId = teamId, Definition = JsonSerializer.Serialize(definition, OnCallLookup.Json), CreatedAt = now, UpdatedAt = now };
            db.Schedules.Add(schedule);
            created++;
        }
        var service = await db.Services.FirstAsync(s => s.Id == serviceId, ct);
        if (service.EscalationPolicyId is null)
        {
            var policy = new EscalationPolicy
            {
                Name = $"{domain.Service} 升级策略",
                Definition = JsonSerializer.Serialize(new EscalationPolicyDefinition
                {
                    Steps =
                    [
                        new EscalationStep { DelayMinutes = 5, Targets = [new EscalationTarget(EscalationTargetType.Schedule, schedule.Id)] },
                        new EscalationStep { DelayMinutes = 10, Targets = [new EscalationTarget(EscalationTargetType.Team, teamId)] },
                    ],
                    RepeatCount = 2,
                }, OnCallLookup.Json),
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.EscalationPolicies.Add(policy);
            service.EscalationPolicyId = policy.Id;
            created++;
        }
        await db.SaveChangesAsync(ct);
        return created;
    }
}
