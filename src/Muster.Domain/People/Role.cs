namespace Muster.Domain.People;

/// <summary>What a person or an API key may do; each role includes everything below it.</summary>
public enum Role
{
    Viewer,
    Responder,
    Manager,
    Admin,
}

public static class Roles
{
    public const string Viewer = "viewer";
    public const string Responder = "responder";
    public const string Manager = "manager";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Viewer, Responder, Manager, Admin];

    public static string Name(this Role role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? value, out Role role) =>
        Enum.TryParse(value, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(value, out _);

    public static Role Parse(string? value) =>
        TryParse(value, out var role) ? role : throw new ArgumentException($"'{value}' is not a role; use admin, manager, responder or viewer.", nameof(value));

    /// <summary>The role names that satisfy <paramref name="least"/>, for role-based policies.</summary>
    public static string[] AtLeast(Role least) =>
        Enum.GetValues<Role>().Where(r => r >= least).Select(Name).ToArray();
}
