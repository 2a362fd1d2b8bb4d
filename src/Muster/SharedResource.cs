namespace Muster;

/// <summary>The marker for the one set of UI and message strings: Resources/SharedResource(.zh-CN).resx.</summary>
public sealed class SharedResource;
