using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using System.Xml;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Muster.Data;
using Muster.Domain.Status;
using Muster.Features.Notifications;
using Muster.Infrastructure;

namespace Muster.Features.Status;

/// <summary>
/// The public status page: plain HTML rendered once per snapshot and language, then served from
/// memory with an ETag. No sign-in, no script, one request per page (the styles are inline).
/// </summary>
public static class StatusPages
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    public static void MapStatusPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/status").AllowAnonymous().WithTags("Status page");
        pages.MapGet("/", (HttpContext context, StatusCache cache, IStringLocalizer<SharedResource> text, IOptions<StatusOptions> options, CancellationToken ct) =>
                ServeAsync(context, cache, options.Value, "main", (s, lang) => Front(s, lang, text), ct))
            .WithSummary("The public status page (HTML).");
        pages.MapGet("/history", (HttpContext context, StatusCache cache, IStringLocalizer<SharedResource> text, IOptions<StatusOptions> options, CancellationToken ct) =>
                ServeAsync(context, cache, options.Value, "history", (s, lang) => History(s, lang, text), ct))
            .WithSummary("Every incident and maintenance of the last year (HTML).");
        pages.MapGet("/incidents/{id}", (string id, HttpContext context, StatusCache cache, IStringLocalizer<SharedResource> text, IOptions<StatusOptions> options, CancellationToken ct) =>
                ServeAsync(context, cache, options.Value, "incident:" + id, (s, lang) => Incident(s, id, lang, text), ct))
            .WithSummary("One incident or maintenance with its updates (HTML).");
        pages.MapGet("/feed.atom", (HttpContext context, StatusCache cache, IStringLocalizer<SharedResource> text, IOptions<StatusOptions> options, PublicUrl links, CancellationToken ct) =>
                ServeAsync(context, cache, options.Value, "feed", (s, lang) => Atom(s, lang, text, links.Base), ct))
            .WithSummary("An Atom feed with one entry per published update.");

        pages.MapPost("/subscribe", SubscribeAsync).WithSummary("Subscribe by email or SMS from the page's form; a confirmation is sent.");
        pages.MapGet("/confirm", ConfirmPageAsync).WithSummary("The page an email's confirmation link opens.");
        pages.MapPost("/confirm", ConfirmAsync).WithSummary("Confirm a subscription: the email link's token, or an SMS subscriber's code.");
        pages.MapGet("/unsubscribe", UnsubscribePageAsync).WithSummary("The page an unsubscribe link opens.");
        pages.MapPost("/unsubscribe", UnsubscribeAsync).WithSummary("Unsubscribe with the link's token (RFC 8058 one-click).");
    }

    private static string Lang(HttpContext context)
    {
        var asked = context.Request.Query["lang"].ToString();
        var lang = asked.Length > 0 ? asked : CultureInfo.CurrentUICulture.Name;
        return lang.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en" : "zh-CN";
    }

    private static async Task ServeAsync(HttpContext context, StatusCache cache, StatusOptions options, string page,
        Func<StatusSnapshot, string, (string Body, string ContentType)?> render, CancellationToken ct)
    {
        var entry = await cache.GetAsync(ct);
        var lang = Lang(context);
        var key = page + "|" + lang;
        if (!entry.Pages.TryGetValue(key, out var rendered))
        {
            var previous = CultureInfo.CurrentUICulture;
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(lang);
            try
            {
                var made = render(entry.Snapshot, lang);
                if (made is { } m)
                {
                    var bytes = Encoding.UTF8.GetBytes(m.Body);
                    var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..20] + "\"";
                    rendered = new StatusRendered(bytes, m.ContentType, etag, entry.Snapshot.LastChange);
                }
                else
                {
                    rendered = new StatusRendered([], "", "", default);
                }
            }
            finally
            {
                CultureInfo.CurrentUICulture = previous;
            }
            // Pages of posts that are not public are not kept: anyone could fill memory with made-up ids.
            if (rendered.Body.Length > 0 || !page.StartsWith("incident:", StringComparison.Ordinal))
                entry.Pages.TryAdd(key, rendered);
        }
        var response = context.Response;
        if (rendered.Body.Length == 0)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var headers = response.Headers;
        headers.CacheControl = $"public, max-age={options.CacheSeconds}, stale-while-revalidate={options.CacheSeconds * 3}, stale-if-error=86400";
        headers.ETag = rendered.ETag;
        headers.LastModified = rendered.LastModified.ToString("R", CultureInfo.InvariantCulture);
        headers.Vary = "Accept-Language, Cookie";
        headers.ContentLanguage = lang;
        headers.XContentTypeOptions = "nosniff";
        if (context.Request.Headers.IfNoneMatch.ToString() is { Length: > 0 } match && match.Split(',').Any(m => m.Trim() == rendered.ETag || m.Trim() == "*"))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.ContentType = rendered.ContentType;
        response.ContentLength = rendered.Body.Length;
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        await response.Body.WriteAsync(rendered.Body, ct);
    }

    // ---- pages ----

    private static string E(string? value) => Html.Encode(value ?? "");

    private static string T(IStringLocalizer text, string key, params object[] args) => args.Length == 0 ? text[key] : text[key, args];

    private static string When(DateTime utc, TimeZoneInfo zone) =>
        $"<time datetime=\"{Components.Time.Iso(utc)}\">{E(Components.Time.Format(utc, zone))}</time>";

    private static string Query(string lang, string path) => $"{path}?lang={lang}";

    private static void Head(StringBuilder b, string lang, string title, IStringLocalizer text, string path)
    {
        b.Append("<!DOCTYPE html><html lang=\"").Append(lang).Append("\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append("<title>").Append(E(title)).Append("</title>")
            .Append("<link rel=\"alternate\" type=\"application/atom+xml\" href=\"").Append(Query(lang, "/status/feed.atom")).Append("\" title=\"").Append(E(T(text, "statuspage.feed"))).Append("\">")
            .Append("<style>").Append(Css).Append("</style></head><body>")
            .Append("<header><a class=\"brand\" href=\"").Append(Query(lang, "/status")).Append("\">").Append(E(T(text, "statuspage.title"))).Append("</a>")
            .Append("<nav class=\"lang\"><a href=\"").Append(path).Append("?lang=zh-CN\" lang=\"zh-CN\" hreflang=\"zh-CN\">中文</a> · <a href=\"")
            .Append(path).Append("?lang=en\" lang=\"en\" hreflang=\"en\">English</a></nav></header><main>");
    }

    private static void Foot(StringBuilder b, string lang, IStringLocalizer text) =>
        b.Append("</main><footer><a href=\"").Append(Query(lang, "/status/history")).Append("\">").Append(E(T(text, "statuspage.history"))).Append("</a> · <a href=\"")
            .Append(Query(lang, "/status/feed.atom")).Append("\">").Append(E(T(text, "statuspage.feed"))).Append("</a> · Muster</footer></body></html>");

    private static string StateLabel(IStringLocalizer text, ComponentState state) => T(text, "statuspage.state." + ComponentStatus.Key(state));

    private static (string, string)? Front(StatusSnapshot s, string lang, IStringLocalizer text)
    {
        var zh = lang == "zh-CN";
        var b = new StringBuilder(32_000);
        Head(b, lang, T(text, "statuspage.title"), text, "/status");
        var overall = ComponentStatus.Key(s.Overall);
        b.Append("<section class=\"banner s-").Append(overall).Append("\" data-state=\"").Append(overall).Append("\"><h1>")
            .Append(E(T(text, "statuspage.overall." + overall))).Append("</h1><p>").Append(E(T(text, "statuspage.updated"))).Append(When(s.BuiltAt, s.Zone)).Append("</p></section>");

        if (s.Active.Count > 0)
        {
            b.Append("<section><h2>").Append(E(T(text, "statuspage.active"))).Append("</h2>");
            foreach (var post in s.Active)
                Post(b, s, post, lang, text, all: false);
            b.Append("</section>");
        }
        if (s.Maintenance.Count > 0)
        {
            b.Append("<section><h2>").Append(E(T(text, "statuspage.maintenance"))).Append("</h2>");
            foreach (var post in s.Maintenance)
                Post(b, s, post, lang, text, all: false);
            b.Append("</section>");
        }

        b.Append("<section><h2>").Append(E(T(text, "statuspage.components"))).Append("</h2>");
        if (s.Components.Count == 0)
            b.Append("<p class=\"empty\">").Append(E(T(text, "statuspage.no_components"))).Append("</p>");
        foreach (var group in s.Components.GroupBy(c => c.Group ?? ""))
        {
            if (group.Key.Length > 0)
                b.Append("<h3>").Append(E(group.Key)).Append("</h3>");
            foreach (var c in group)
            {
                var key = ComponentStatus.Key(c.State);
                b.Append("<div class=\"component\" data-component=\"").Append(E(c.Id)).Append("\" data-state=\"").Append(key).Append("\"><div class=\"row\"><strong>")
                    .Append(E(c.Name(zh))).Append("</strong><span class=\"st s-").Append(key).Append("\">").Append(E(StateLabel(text, c.State))).Append("</span></div>");
                if (c.Description(zh) is { Length: > 0 } description)
                    b.Append("<p class=\"quiet\">").Append(E(description)).Append("</p>");
                b.Append("<div class=\"bars\" role=\"img\" aria-label=\"").Append(E(T(text, "statuspage.uptime", c.Uptime.Percent.ToString("0.00", CultureInfo.InvariantCulture)))).Append("\">");
                foreach (var day in c.Uptime.Days)
                {
                    b.Append("<i class=\"s-").Append(ComponentStatus.Key(day.Worst)).Append("\" title=\"")
                        .Append(E(T(text, "statuspage.day", day.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), StateLabel(text, day.Worst), day.DownMinutes)))
                        .Append("\"></i>");
                }
                b.Append("</div><div class=\"row quiet small\"><span>").Append(E(T(text, "statuspage.days_ago", StatusSnapshot.Days))).Append("</span><span>")
                    .Append(E(T(text, "statuspage.uptime", c.Uptime.Percent.ToString("0.00", CultureInfo.InvariantCulture)))).Append("</span><span>")
                    .Append(E(T(text, "statuspage.today"))).Append("</span></div></div>");
            }
        }
        b.Append("</section>");

        b.Append("<section><h2>").Append(E(T(text, "statuspage.past"))).Append("</h2>");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(s.BuiltAt, s.Zone));
        var byDay = s.Past.ToLookup(p => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(p.ResolvedAt!.Value, s.Zone)));
        for (var i = 0; i < StatusSnapshot.PastDays; i++)
        {
            var day = today.AddDays(-i);
            b.Append("<h3 class=\"day\">").Append(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append("</h3>");
            var posts = byDay[day].ToList();
            if (posts.Count == 0)
                b.Append("<p class=\"quiet\">").Append(E(T(text, "statuspage.no_incidents_day"))).Append("</p>");
            foreach (var post in posts)
                b.Append("<p><a href=\"").Append(Query(lang, "/status/incidents/" + E(post.Id))).Append("\">").Append(E(post.Title(zh))).Append("</a> <span class=\"quiet\">")
                    .Append(E(T(text, "statuspage.update." + post.Updates[0].Status))).Append("</span></p>");
        }
        b.Append("</section>");

        b.Append("<section class=\"subscribe\"><h2>").Append(E(T(text, "statuspage.subscribe"))).Append("</h2>")
            .Append("<form method=\"post\" action=\"/status/subscribe\"><input type=\"hidden\" name=\"lang\" value=\"").Append(lang).Append("\">")
            .Append("<label><input type=\"radio\" name=\"kind\" value=\"email\" checked> ").Append(E(T(text, "statuspage.subscribe_email"))).Append("</label> ")
            .Append("<label><input type=\"radio\" name=\"kind\" value=\"sms\"> ").Append(E(T(text, "statuspage.subscribe_sms"))).Append("</label>")
            .Append("<input name=\"address\" required maxlength=\"300\" autocomplete=\"email\" aria-label=\"").Append(E(T(text, "statuspage.address"))).Append("\">")
            .Append("<button type=\"submit\">").Append(E(T(text, "statuspage.subscribe_button"))).Append("</button>")
            .Append("<p class=\"quiet small\">").Append(E(T(text, "statuspage.subscribe_hint"))).Append("</p></form></section>");
        Foot(b, lang, text);
        return (b.ToString(), "text/html; charset=utf-8");
    }

    private static void Post(StringBuilder b, StatusSnapshot s, SnapshotPost post, string lang, IStringLocalizer text, bool all)
    {
        var zh = lang == "zh-CN";
        b.Append("<article class=\"post\" data-post=\"").Append(E(post.Id)).Append("\"><h3><a href=\"").Append(Query(lang, "/status/incidents/" + E(post.Id))).Append("\">")
            .Append(E(post.Title(zh))).Append("</a></h3>");
        if (post.StartsAt is { } starts && post.EndsAt is { } ends)
            b.Append("<p class=\"quiet\">").Append(E(T(text, "statuspage.window"))).Append(When(starts, s.Zone)).Append(" – ").Append(When(ends, s.Zone)).Append("</p>");
        var names = post.ComponentIds.Select(id => s.Components.FirstOrDefault(c => c.Id == id)?.Name(zh)).OfType<string>().ToList();
        if (names.Count > 0)
            b.Append("<p class=\"quiet\">").Append(E(T(text, "statuspage.affects", string.Join(zh ? "、" : ", ", names)))).Append("</p>");
        foreach (var update in all ? post.Updates : post.Updates.Take(3))
        {
            b.Append("<div class=\"update\"><strong>").Append(E(T(text, "statuspage.update." + update.Status))).Append("</strong> ")
                .Append(When(update.PublishedAt, s.Zone)).Append("<p class=\"text\">").Append(E(update.Text(zh))).Append("</p></div>");
        }
        b.Append("</article>");
    }

    private static (string, string)? Incident(StatusSnapshot s, string id, string lang, IStringLocalizer text)
    {
        if (!s.Posts.TryGetValue(id, out var post))
            return null;
        var b = new StringBuilder(8_000);
        Head(b, lang, post.Title(lang == "zh-CN"), text, "/status/incidents/" + E(id));
        b.Append("<p><a href=\"").Append(Query(lang, "/status")).Append("\">← ").Append(E(T(text, "statuspage.back"))).Append("</a></p>");
        Post(b, s, post, lang, text, all: true);
        Foot(b, lang, text);
        return (b.ToString(), "text/html; charset=utf-8");
    }

    private static (string, string)? History(StatusSnapshot s, string lang, IStringLocalizer text)
    {
        var zh = lang == "zh-CN";
        var b = new StringBuilder(16_000);
        Head(b, lang, T(text, "statuspage.history"), text, "/status/history");
        b.Append("<h1>").Append(E(T(text, "statuspage.history"))).Append("</h1>");
        var posts = s.Posts.Values.OrderByDescending(p => p.StartsAt ?? p.FirstPublishedAt).ToList();
        if (posts.Count == 0)
            b.Append("<p class=\"empty\">").Append(E(T(text, "statuspage.history_empty"))).Append("</p>");
        foreach (var month in posts.GroupBy(p => TimeZoneInfo.ConvertTimeFromUtc(p.StartsAt ?? p.FirstPublishedAt, s.Zone).ToString("yyyy-MM", CultureInfo.InvariantCulture)))
        {
            b.Append("<h2>").Append(month.Key).Append("</h2>");
            foreach (var post in month)
                b.Append("<p><a href=\"").Append(Query(lang, "/status/incidents/" + E(post.Id))).Append("\">").Append(E(post.Title(zh))).Append("</a> <span class=\"quiet\">")
                    .Append(E(T(text, "statuspage.update." + post.Updates[0].Status))).Append(" · ").Append(When(post.FirstPublishedAt, s.Zone)).Append("</span></p>");
        }
        Foot(b, lang, text);
        return (b.ToString(), "text/html; charset=utf-8");
    }

    private static (string, string)? Atom(StatusSnapshot s, string lang, IStringLocalizer text, string baseUrl)
    {
        var zh = lang == "zh-CN";
        var output = new StringBuilder();
        using (var xml = XmlWriter.Create(output, new XmlWriterSettings { Indent = false, OmitXmlDeclaration = false }))
        {
            const string ns = "http://www.w3.org/2005/Atom";
            xml.WriteStartDocument();
            xml.WriteStartElement("feed", ns);
            xml.WriteAttributeString("xml", "lang", null, lang);
            xml.WriteElementString("id", ns, $"{baseUrl}/status/feed.atom?lang={lang}");
            xml.WriteElementString("title", ns, T(text, "statuspage.title"));
            xml.WriteElementString("updated", ns, Iso(s.LastChange));
            Link(xml, ns, $"{baseUrl}/status/feed.atom?lang={lang}", "self");
            Link(xml, ns, $"{baseUrl}/status?lang={lang}", "alternate");
            xml.WriteStartElement("author", ns);
            xml.WriteElementString("name", ns, "Muster");
            xml.WriteEndElement();
            var entries = s.Posts.Values.SelectMany(p => p.Updates.Select(u => (Post: p, Update: u)))
                .OrderByDescending(e => e.Update.PublishedAt).Take(100);
            foreach (var (post, update) in entries)
            {
                var url = $"{baseUrl}/status/incidents/{post.Id}?lang={lang}";
                xml.WriteStartElement("entry", ns);
                xml.WriteElementString("id", ns, $"{baseUrl}/status/incidents/{post.Id}#{update.Id}");
                xml.WriteElementString("title", ns, $"[{T(text, "statuspage.update." + update.Status)}] {post.Title(zh)}");
                xml.WriteElementString("updated", ns, Iso(update.PublishedAt));
                xml.WriteElementString("published", ns, Iso(update.PublishedAt));
                Link(xml, ns, url, "alternate");
                xml.WriteStartElement("content", ns);
                xml.WriteAttributeString("type", "text");
                xml.WriteString(update.Text(zh));
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }
        // XmlWriter over a StringBuilder declares utf-16; the bytes are UTF-8.
        return (output.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal), "application/atom+xml; charset=utf-8");
    }

    private static void Link(XmlWriter xml, string ns, string href, string rel)
    {
        xml.WriteStartElement("link", ns);
        xml.WriteAttributeString("rel", rel);
        xml.WriteAttributeString("href", href);
        xml.WriteEndElement();
    }

    private static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    // ---- subscriptions (forms; never cached) ----

    private static IResult Page(string lang, IStringLocalizer<SharedResource> text, string body, int status = 200)
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(lang);
        try
        {
            var b = new StringBuilder();
            Head(b, lang, T(text, "statuspage.title"), text, "/status");
            b.Append("<section class=\"message\">").Append(body).Append("</section><p><a href=\"").Append(Query(lang, "/status")).Append("\">← ")
                .Append(E(T(text, "statuspage.back"))).Append("</a></p>");
            Foot(b, lang, text);
            return Results.Content(b.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    private static string L(IStringLocalizer text, string lang, string key, params object[] args) => E(StatusText.Get(text, lang, key, args));

    private static async Task<IResult> SubscribeAsync(HttpContext context, StatusSubscriptions subscriptions, IStringLocalizer<SharedResource> text, CancellationToken ct)
    {
        var form = await context.Request.ReadFormAsync(ct);
        var lang = form["lang"].ToString() == "en" ? "en" : Lang(context);
        var kind = form["kind"].ToString() == "sms" ? "sms" : "email";
        var address = form["address"].ToString().Trim();
        try
        {
            var id = await subscriptions.SubscribeAsync(new SubscriberRequest(kind, address, lang, form["component"].Where(c => !string.IsNullOrEmpty(c)).Select(c => c!).ToList()), null, ct);
            if (kind == "email")
                return Page(lang, text, $"<p data-testid=\"sent\">{L(text, lang, "statuspage.sent_email", address)}</p>");
            return Page(lang, text, $"<p data-testid=\"sent\">{L(text, lang, "statuspage.sent_sms", address)}</p>" +
                $"<form method=\"post\" action=\"/status/confirm\"><input type=\"hidden\" name=\"id\" value=\"{E(id)}\"><input type=\"hidden\" name=\"lang\" value=\"{lang}\">" +
                $"<label>{L(text, lang, "statuspage.code")} <input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" required></label> " +
                $"<button type=\"submit\">{L(text, lang, "statuspage.confirm")}</button></form>");
        }
        catch (RequestException e)
        {
            return Page(lang, text, $"<p class=\"error\" role=\"alert\">{L(text, lang, "statuspage.invalid", e.Message)}</p>", StatusCodes.Status400BadRequest);
        }
    }

    private static async Task<IResult> ConfirmPageAsync(HttpContext context, MusterDb db, IStringLocalizer<SharedResource> text, CancellationToken ct)
    {
        var lang = Lang(context);
        var token = context.Request.Query["t"].ToString();
        if (StatusSubscriptions.Read(await ActionLinks.KeyAsync(db, ct), token, "confirm") is null)
            return Page(lang, text, $"<p class=\"error\" role=\"alert\">{L(text, lang, "statuspage.confirm_failed")}</p>", StatusCodes.Status404NotFound);
        // A button, not the GET itself: mail scanners open links, and must not subscribe anyone.
        return Page(lang, text, $"<p>{L(text, lang, "statuspage.confirm_question")}</p><form method=\"post\" action=\"/status/confirm\">" +
            $"<input type=\"hidden\" name=\"t\" value=\"{E(token)}\"><input type=\"hidden\" name=\"lang\" value=\"{lang}\"><button type=\"submit\">{L(text, lang, "statuspage.confirm")}</button></form>");
    }

    private static async Task<IResult> ConfirmAsync(HttpContext context, MusterDb db, StatusSubscriptions subscriptions, StatusCache cache, IStringLocalizer<SharedResource> text, CancellationToken ct)
    {
        var form = await context.Request.ReadFormAsync(ct);
        var lang = form["lang"].ToString() == "en" ? "en" : Lang(context);
        var token = form["t"].ToString();
        var ok = token.Length > 0
            ? StatusSubscriptions.Read(await ActionLinks.KeyAsync(db, ct), token, "confirm") is { } id && await subscriptions.ConfirmAsync(id, null, ct)
            : await subscriptions.ConfirmAsync(form["id"].ToString(), form["code"].ToString(), ct);
        return ok
            ? Page(lang, text, $"<p data-testid=\"confirmed\">{L(text, lang, "statuspage.confirmed")}</p>")
            : Page(lang, text, $"<p class=\"error\" role=\"alert\">{L(text, lang, "statuspage.confirm_failed")}</p>", StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> UnsubscribePageAsync(HttpContext context, MusterDb db, IStringLocalizer<SharedResource> text, CancellationToken ct)
    {
        var lang = Lang(context);
        var token = context.Request.Query["t"].ToString();
        if (StatusSubscriptions.Read(await ActionLinks.KeyAsync(db, ct), token, "unsubscribe") is not { } id || await db.StatusSubscribers.FindAsync([id], ct) is not { } subscriber)
            return Page(lang, text, $"<p class=\"error\" role=\"alert\">{L(text, lang, "statuspage.confirm_failed")}</p>", StatusCodes.Status404NotFound);
        return Page(subscriber.Language, text, $"<p>{L(text, subscriber.Language, "statuspage.unsubscribe_question", subscriber.Address)}</p><form method=\"post\" action=\"/status/unsubscribe?t={E(Uri.EscapeDataString(token))}\">" +
            $"<button type=\"submit\">{L(text, subscriber.Language, "statuspage.unsubscribe")}</button></form>");
    }

    /// <summary>RFC 8058: the mail app POSTs <c>List-Unsubscribe=One-Click</c> to the link; the page's button POSTs the same.</summary>
    private static async Task<IResult> UnsubscribeAsync(HttpContext context, MusterDb db, StatusSubscriptions subscriptions, IStringLocalizer<SharedResource> text, CancellationToken ct)
    {
        var lang = Lang(context);
        var token = context.Request.Query["t"].ToString();
        if (token.Length == 0 && context.Request.HasFormContentType)
            token = (await context.Request.ReadFormAsync(ct))["t"].ToString();
        if (StatusSubscriptions.Read(await ActionLinks.KeyAsync(db, ct), token, "unsubscribe") is not { } id || !await subscriptions.UnsubscribeAsync(id, ct))
            return Page(lang, text, $"<p class=\"error\" role=\"alert\">{L(text, lang, "statuspage.confirm_failed")}</p>", StatusCodes.Status404NotFound);
        return Page(lang, text, $"<p data-testid=\"unsubscribed\">{L(text, lang, "statuspage.unsubscribed")}</p>");
    }

    private const string Css = """
        *{box-sizing:border-box}body{margin:0;font:15px/1.5 "PingFang SC","Microsoft YaHei","Noto Sans CJK SC",system-ui,sans-serif;color:#222;background:#f6f7f9}
        header,main,footer{max-width:760px;margin:0 auto;padding:12px 16px}header{display:flex;justify-content:space-between;align-items:center}
        .brand{font-weight:bold;color:#222;text-decoration:none;font-size:18px}a{color:#1a5fb4}section,article{margin:16px 0}
        .banner{padding:16px;border-radius:6px;color:#fff}.banner h1{margin:0;font-size:20px}.banner p{margin:4px 0 0;opacity:.9}
        .banner.s-operational{background:#2e7d32}.banner.s-maintenance{background:#1565c0}.banner.s-degraded{background:#b7791f}.banner.s-partial_outage{background:#d35400}.banner.s-major_outage{background:#c0392b}
        .component,.post{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:12px;margin:8px 0}.row{display:flex;justify-content:space-between;gap:8px}
        .st.s-operational{color:#2e7d32}.st.s-maintenance{color:#1565c0}.st.s-degraded{color:#b7791f}.st.s-partial_outage{color:#d35400}.st.s-major_outage{color:#c0392b}
        .bars{display:flex;gap:1px;height:28px;margin:8px 0 2px}.bars i{flex:1;border-radius:1px}
        i.s-operational{background:#4caf50}i.s-maintenance{background:#42a5f5}i.s-degraded{background:#f6c343}i.s-partial_outage{background:#f08c2e}i.s-major_outage{background:#e74c3c}
        .quiet{color:#666}.small{font-size:12px}.text{white-space:pre-line;margin:4px 0 8px}.update{border-top:1px solid #eee;padding-top:6px}
        h2{font-size:17px}h3{font-size:15px;margin:8px 0}.day{border-bottom:1px solid #e1e4e8;padding-bottom:4px}.error{color:#c0392b}
        form input[name=address],form input[name=code]{padding:8px;font-size:16px;width:100%;max-width:320px;margin:6px 0;display:block}button{padding:8px 16px;font-size:16px}
        footer{color:#666;font-size:13px}
        """;
}
