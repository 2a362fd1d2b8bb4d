using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Infrastructure;

namespace Muster.Features.Devices;

public sealed record Symptom(string Zh, string En)
{
    /// <summary>The text in the reader's language.</summary>
    public string Text => CultureInfo.CurrentUICulture.Name.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? Zh : En;
}

/// <param name="FailureTarget">The failure rate wanted (0.02 is 2%), set against the measured one in the reports; null for none.</param>
public sealed record DeviceTypeRequest(string? NameZh, string? NameEn, List<Symptom>? Symptoms, double? FailureTarget = null);

public sealed record DeviceTypeView(string Key, string NameZh, string NameEn, IReadOnlyList<Symptom> Symptoms, double? FailureTarget = null)
{
    public string Name => CultureInfo.CurrentUICulture.Name.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? NameZh : NameEn;
}

/// <summary>Device types and their symptom lists; a few common ones are there from the start.</summary>
public static class DeviceTypes
{
    public static async Task<List<DeviceTypeView>> ListAsync(MusterDb db, CancellationToken ct = default) =>
        (await db.DeviceTypes.AsNoTracking().OrderBy(t => t.Key).ToListAsync(ct)).Select(View).ToList();

    public static async Task<DeviceTypeView?> FindAsync(MusterDb db, string key, CancellationToken ct = default) =>
        await db.DeviceTypes.AsNoTracking().FirstOrDefaultAsync(t => t.Key == key, ct) is { } t ? View(t) : null;

    public static DeviceTypeView View(DeviceType t) =>
        new(t.Key, t.NameZh, t.NameEn, JsonSerializer.Deserialize<List<Symptom>>(t.Symptoms, JsonSerializerOptions.Web) ?? [], t.FailureTarget);

    public static async Task<DeviceTypeView> SaveAsync(MusterDb db, string key, DeviceTypeRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var symptoms = request.Symptoms ?? [];
        var errors = new Problems.Errors()
            .Check(System.Text.RegularExpressions.Regex.IsMatch(key, "^[a-z0-9_-]{1,50}$"), "key", "key is 1 to 50 of a-z, 0-9, _ and -.")
            .Text(request.NameZh, "nameZh", 100)
            .Text(request.NameEn, "nameEn", 100)
            .Check(symptoms.Count <= 30, "symptoms", "At most 30 symptoms: a reporter must find theirs at a glance.")
            .Check(request.FailureTarget is null or (>= 0 and <= 1), "failureTarget", "failureTarget is a fraction from 0 to 1, such as 0.02 for 2%.");
        for (var i = 0; i < symptoms.Count; i++)
        {
            errors.Text(symptoms[i].Zh, $"symptoms[{i}].zh", 100).Text(symptoms[i].En, $"symptoms[{i}].en", 100);
        }
        errors.ThrowIfAny();
        var type = await db.DeviceTypes.FindAsync([key], ct);
        var before = type is null ? null : View(type);
        var isNew = type is null;
        type ??= new DeviceType { Key = key, CreatedAt = now };
        type.NameZh = request.NameZh!.Trim();
        type.NameEn = request.NameEn!.Trim();
        type.FailureTarget = request.FailureTarget;
        type.Symptoms = JsonSerializer.Serialize(symptoms.Select(s => new Symptom(s.Zh.Trim(), s.En.Trim())), JsonSerializerOptions.Web);
        if (isNew)
            db.DeviceTypes.Add(type);
        db.Record(user, isNew ? "device_type.created" : "device_type.updated", "device_type", key, before, View(type), now);
        await db.SaveChangesAsync(ct);
        return View(type);
    }

    /// <summary>The devices the domain's plans name (kiosks, campus card readers, doors), so that a new site can register devices at once.</summary>
    public static async Task SeedAsync(MusterDb db, DateTime now, CancellationToken ct = default)
    {
        if (await db.DeviceTypes.AnyAsync(ct))
            return;
        Symptom S(string zh, string en) => new(zh, en);
        var builtin = new Dictionary<string, (string Zh, string En, Symptom[] Symptoms)>
        {
            ["kiosk"] = ("自助缴费机", "Payment kiosk", [S("无法开机 / 黑屏", "Will not start / black screen"), S("屏幕无响应", "Screen does not respond"),
                S("无法扫码支付", "Cannot pay by QR code"), S("不打印小票", "No receipt"), S("吞卡 / 吞钞", "Card or cash swallowed"), S("支付成功但未到账", "Paid but not credited")]),
            ["card_reader"] = ("刷卡机", "Card reader", [S("刷卡无反应", "No response to the card"), S("提示卡片无效", "Says the card is invalid"),
                S("扣款错误", "Wrong amount charged")]),
            ["topup_machine"] = ("圈存机", "Top-up machine", [S("无法充值", "Cannot top up"), S("充值未到账", "Top-up not credited"),
                S("屏幕无响应", "Screen does not respond")]),
            ["door"] = ("门禁", "Door access", [S("刷卡不开门", "Card does not open the door"), S("门无法关闭", "Door will not close"),
                S("报警不停", "Alarm keeps sounding")]),
            ["other"] = ("其他设备", "Other device", [S("无法使用", "Does not work"), S("有损坏", "Damaged")]),
        };
        foreach (var (key, t) in builtin)
        {
            db.DeviceTypes.Add(new DeviceType
            {
                Key = key,
                NameZh = t.Zh,
                NameEn = t.En,
                Symptoms = JsonSerializer.Serialize(t.Symptoms, JsonSerializerOptions.Web),
                CreatedAt = now,
            });
        }
        await db.SaveChangesAsync(ct);
    }
}
