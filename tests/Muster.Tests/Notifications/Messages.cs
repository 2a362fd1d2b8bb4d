using Muster.Features.Notifications.Channels;
using Muster.Tests.Support;

namespace Muster.Tests.Notifications;

internal static class Messages
{
    public static readonly DateTimeOffset Now = new(2026, 3, 10, 2, 0, 0, TimeSpan.Zero);

    public static FakeTime Time() => new(Now);

    public static HttpClient Http() => new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>A client with a short timeout, so the timeout tests take a fraction of a second.</summary>
    public static HttpClient ImpatientHttp() => new() { Timeout = TimeSpan.FromMilliseconds(300) };

    public static OutgoingMessage Page(bool drill = false, string kind = "page", string language = "zh-CN") => new(
        kind,
        "[P1] 支付网关 down",
        "支付网关不可用\n影响：30% 用户\n详情 https://muster.example/i/42",
        "[P1] 支付网关 down，请立即处理",
        "https://muster.example/ack/abc",
        "https://muster.example/resolve/abc",
        "https://muster.example/i/42",
        new Dictionary<string, string>
        {
            ["level"] = "P1",
            ["service"] = "支付网关",
            ["place"] = "上海浦东数据中心A区三号楼二层机房",
            ["deadline"] = "02:15",
        },
        language,
        drill,
        "delivery-42-chain-7");
}
