using System.Globalization;
using Muster.Data;
using Muster.Domain.Incidents;
using Muster.Features.Notifications.Channels;

namespace Muster.Features.Notifications;

/// <summary>
/// The owning feature's half of a kind of message: what it says. Delivery picks the channel,
/// sends, retries and records; it knows a kind only through the one registered for it, so a new
/// kind of message is a class in its feature and a line in the wiring, not a branch in delivery.
/// </summary>
public interface IMessageKind
{
    /// <summary>The <see cref="Notification.Kind"/> values this writes.</summary>
    IReadOnlyList<string> Kinds { get; }

    /// <summary>
    /// Pages: about one a minute reaches a contact method, and those due meanwhile go out bundled
    /// into the next. Every other kind says its own thing, neither bundled nor bundling, and is
    /// throttled only among other such messages, so a page never waits behind a reminder.
    /// </summary>
    bool Pages => false;

    /// <summary>Whether the one-a-minute throttle holds this kind back at all (a test is sent at once).</summary>
    bool Throttled => true;

    /// <summary>
    /// The message, in <see cref="MessageContext.Culture"/> unless the feature knows the reader's
    /// own language better (a subscriber's, a respondent's), or a reason it is no longer to be sent.
    /// </summary>
    Task<Rendered> RenderAsync(MessageContext context, CancellationToken ct);

    /// <summary>
    /// Called once before a batch of this kind's messages is rendered, so that what each render
    /// would read on its own (the signing key, service names) is read once for all of them.
    /// </summary>
    Task PrepareAsync(IReadOnlyList<MessageContext> messages, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// Called once the message is final (sent, failed or cancelled), before the commit that records
    /// it: the feature keeps what it needs of the outcome in the same transaction.
    /// </summary>
    Task DoneAsync(Notification notification, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>What a renderer knows of one message: its row, its incident and person when it has them, the pages bundled into it.</summary>
public sealed record MessageContext(Notification Notification, Incident? Incident, Person? Person, IReadOnlyList<Notification> Bundled,
    CultureInfo Culture, string BaseUrl, DateTime Now);

/// <summary>
/// A rendered message, or why it is not sent (<see cref="Cancelled"/>). <see cref="Recipient"/>
/// overrides who a group post mentions; <see cref="Document"/> is the JSON posted to an address
/// that is a webhook URL (a status-page subscriber's), in place of the message.
/// </summary>
public sealed record Rendered(OutgoingMessage? Message, string? Cancelled = null, Recipient? Recipient = null, object? Document = null)
{
    public static Rendered Cancel(string why) => new(null, why);
}
