namespace Muster.Features.Intake;

/// <summary>What to paste into a source so that it sends to an integration: a curl call, an Alertmanager receiver.</summary>
public static class IntegrationExamples
{
    /// <summary>The secret as a reader may glimpse it: dots, then its last four characters.</summary>
    public static string Mask(string secret) => secret.Length <= 4 ? "••••" : "••••••••" + secret[^4..];

    /// <summary>The URL with its secret masked, for URLs that carry the secret in their path.</summary>
    public static string MaskedUrl(IntegrationView i) => i.Url.Replace(i.Secret, Mask(i.Secret), StringComparison.Ordinal);

    public static string? For(IntegrationView i) => i.Type switch
    {
        "events" => Curl(i),
        "alertmanager" => AlertmanagerWebhook(i),
        _ => null,
    };

    /// <summary>A PagerDuty Events API v2 trigger, then the resolve of the same dedup key.</summary>
    public static string Curl(IntegrationView i) =>
        $$$"""
        curl -X POST '{{{i.Url}}}' \
          -H 'Content-Type: application/json' \
          -d '{"routing_key":"{{{i.Secret}}}","event_action":"trigger","dedup_key":"kiosk-3-offline","payload":{"summary":"Kiosk 3 is offline","source":"kiosk-3","severity":"critical"}}'

        curl -X POST '{{{i.Url}}}' \
          -H 'Content-Type: application/json' \
          -d '{"routing_key":"{{{i.Secret}}}","event_action":"resolve","dedup_key":"kiosk-3-offline"}'
        """;

    /// <summary>
    /// Alertmanager's own PagerDuty receiver, pointed at Muster. Alertmanager sends severity "error"
    /// unless told otherwise, so the severity label is passed on; class groups alerts by name, as the webhook does.
    /// </summary>
    public static string AlertmanagerPagerDuty(IntegrationView i) =>
        $$$"""
        receivers:
          - name: muster
            pagerduty_configs:
              - routing_key: '{{{i.Secret}}}'
                url: '{{{i.Url}}}'
                send_resolved: true
                severity: '{{ .CommonLabels.severity }}'
                class: '{{ .CommonLabels.alertname }}'
        """;

    public static string AlertmanagerWebhook(IntegrationView i) =>
        $$$"""
        receivers:
          - name: muster
            webhook_configs:
              - url: '{{{i.Url}}}'
                send_resolved: true
        """;
}
