using System.Collections;
using System.Globalization;
using System.Resources;
using Muster.Features.Plans;

namespace Muster.Tests;

public sealed class ResourceTests
{
    [Fact]
    public void Chinese_and_English_have_the_same_strings_and_none_is_empty()
    {
        var manager = new ResourceManager("Muster.Resources.SharedResource", typeof(Program).Assembly);
        Dictionary<string, string> Read(string culture) => manager.GetResourceSet(new CultureInfo(culture), createIfNotExists: true, tryParents: false)!
            .Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!);

        var en = Read("");
        var zh = Read("zh-CN");

        Assert.True(en.Count > 20, $"only {en.Count} English strings");
        Assert.Equal(en.Keys.Order(), zh.Keys.Order());
        Assert.All(en.Concat(zh), e => Assert.False(string.IsNullOrWhiteSpace(e.Value), e.Key));
        Assert.Contains(zh.Values, v => v.Any(c => c >= 0x4E00 && c <= 0x9FFF));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("kiosk")]
    [InlineData("epay")]
    [InlineData("campus")]
    [InlineData("courier")]
    [InlineData("customer-service")]
    public void The_builtin_plans_are_valid_and_bilingual(string key)
    {
        var plan = PlanEndpoints.Builtin(key);
        Assert.Equal(key, plan.Key);
        Assert.Empty(Domain.Plans.PlanValidator.Validate(plan));
        Assert.All(plan.Levels, l => Assert.True(plan.Sla.ContainsKey(l.Key), $"{key}: no SLA for {l.Key}"));
    }
}
