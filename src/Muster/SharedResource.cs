// The assembly is named "muster" but its namespace is "Muster": the localizer finds resources by the namespace.
[assembly: Microsoft.Extensions.Localization.RootNamespace("Muster")]

namespace Muster;

/// <summary>The marker for the one set of UI and message strings: Resources/SharedResource(.zh-CN).resx.</summary>
public sealed class SharedResource;
