using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Muster.Features.Notifications;
using Muster.Tests.Support;

namespace Muster.Tests;

/// <summary>
/// Every message leaves through the outbox and DeliveryWork: no feature sends on its own, and the
/// delivery code names no feature. A source scan, because what it guards against is a line of code
/// (a new SmtpClient in a feature) that no type reference would show.
/// </summary>
public sealed partial class OneWayOutTests
{
    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Muster.slnx")))
                return dir.FullName;
        throw new InvalidOperationException("The repository root (Muster.slnx) was not found.");
    }

    private static IEnumerable<string> Sources(string dir) =>
        Directory.EnumerateFiles(dir, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [GeneratedRegex(@"\bMailKit\b|\bMimeKit\b|\bSmtpClient\b|new\s+\w*Channel\s*\(|\bNotificationChannels\s+\w+\s*[,)]|\bdb\.Notifications\.Add|\bDeliverWork\b|\.SendAsync\s*\(")]
    private static partial Regex Sending();

    [Fact]
    public void No_feature_outside_notifications_sends_or_records_a_message_itself()
    {
        var app = Path.Combine(Root(), "src", "Muster");
        var notifications = Path.Combine(app, "Features", "Notifications") + Path.DirectorySeparatorChar;
        var offences = Sources(app)
            .Where(f => !f.StartsWith(notifications, StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(app, f), Line: i + 1, Text: line.Trim())))
            .Where(l => !l.Text.StartsWith("//", StringComparison.Ordinal) && Sending().IsMatch(l.Text)
                // Matrix.SendAsync queues (it is Notifications' own); anything else that sends is an offence.
                && !l.Text.Contains("Notifications.Matrix.SendAsync", StringComparison.Ordinal))
            .Select(l => $"{l.File}:{l.Line}: {l.Text}")
            .ToList();
        Assert.True(offences.Count == 0, "Send through Outbox.QueueAsync/Enqueue instead:\n" + string.Join('\n', offences));
    }

    [Fact]
    public void The_delivery_code_names_no_feature()
    {
        var features = Path.Combine(Root(), "src", "Muster", "Features");
        var others = Directory.EnumerateDirectories(features).Select(Path.GetFileName).Where(n => n is not ("Notifications" or "OnCall")).ToList();
        var named = new Regex($@"(?<![\w.])(Features\.)?({string.Join('|', others)})\.[A-Z]");
        var delivery = new[] { "DeliveryWork.cs", "Outbox.cs", "MessageKinds.cs" }.Select(f => Path.Combine(features, "Notifications", f))
            .Concat(Sources(Path.Combine(features, "Notifications", "Channels")));
        var offences = delivery
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line.Trim())))
            .Where(l => named.IsMatch(l.Text) || l.Text.Contains("using Muster.Features.", StringComparison.Ordinal) && !l.Text.Contains("Notifications", StringComparison.Ordinal))
            .Select(l => $"{l.File}:{l.Line}: {l.Text}")
            .ToList();
        Assert.True(offences.Count == 0, "A kind's text belongs to its feature's IMessageKind:\n" + string.Join('\n', offences));
    }

    [Fact]
    public void Every_kind_of_message_has_exactly_one_writer()
    {
        using var app = new MusterFactory();
        using var scope = app.Services.CreateScope();
        var kinds = scope.ServiceProvider.GetServices<IMessageKind>().SelectMany(k => k.Kinds).ToList();
        Assert.Empty(kinds.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key));
        // Pages, tests, the matrix, reports upward, overdue tasks, customer SMS, announcements, reminders, status mail, surveys.
        Assert.Superset(new HashSet<string>(["page", "reescalation", "matrix", "test", "upward", "task_overdue", "customerSms", "announcement",
            "review-reminder", "drill-reminder", "status-confirm", "status-update", "survey"]), kinds.ToHashSet());
    }
}
