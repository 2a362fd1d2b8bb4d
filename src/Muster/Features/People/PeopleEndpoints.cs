using System.Net.Mail;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Domain.People;
using Muster.Infrastructure;

namespace Muster.Features.People;

public sealed record PersonRequest(
    string? Email, string? DisplayName, string? Role = Roles.Responder, string? Language = "zh-CN",
    string? TeamId = null, string? Phone = null, string? Password = null);

public sealed record PersonUpdate(string? DisplayName = null, string? Role = null, string? Language = null, string? TeamId = null, string? Phone = null, bool? Active = null);

public sealed record PersonView(string Id, string Email, string DisplayName, string Role, string Language, string? TeamId, string? Phone, bool Active, bool CanSignIn);

public static class PeopleEndpoints
{
    public const int MinPasswordLength = 10;
    public static readonly IReadOnlyList<string> Languages = ["zh-CN", "en"];
    private static readonly PasswordHasher<Person> Hasher = new();

    public static void MapPeople(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/people").WithTags("People");
        api.MapGet("/", async (MusterDb db, CancellationToken ct) => TypedResults.Ok(await db.People.OrderBy(p => p.DisplayName).Select(p => View(p)).ToListAsync(ct)))
            .RequireAuthorization(Policies.Viewer).WithSummary("Everyone, with role, team and language.");
        api.MapPost("/", async (PersonRequest request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
            {
                var person = await CreateAsync(db, request, user, time.GetUtcNow().UtcDateTime, ct);
                return TypedResults.Created($"/api/v1/people/{person.Id}", View(person));
            })
            .RequireAuthorization(Policies.Admin).WithSummary("Add a person: {email, displayName, role, language?, teamId?, phone?, password?}.");
        api.MapPatch("/{id}", async (string id, PersonUpdate request, ClaimsPrincipal user, MusterDb db, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(View(await UpdateAsync(db, id, request, user, time.GetUtcNow().UtcDateTime, ct))))
            .RequireAuthorization(Policies.Admin).WithSummary("Change a person's name, role, language, team, phone, or deactivate them.");
    }

    public static PersonView View(Person p) => new(p.Id, p.Email, p.DisplayName, p.Role, p.Language, p.TeamId, p.Phone, p.Active, p.PasswordHash is not null);

    public static string HashPassword(Person person, string password) => Hasher.HashPassword(person, password);

    public static bool CheckPassword(Person person, string password) =>
        person.PasswordHash is not null && Hasher.VerifyHashedPassword(person, person.PasswordHash, password) != PasswordVerificationResult.Failed;

    public static string? PasswordProblem(string? password) =>
        password is null || password.Length < MinPasswordLength ? $"A password has at least {MinPasswordLength} characters." : null;

    public static async Task<Person> CreateAsync(MusterDb db, PersonRequest request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var errors = new Problems.Errors()
            .Text(request.Email, "email", 200)
            .Check(request.Email is null || MailAddress.TryCreate(request.Email, out _), "email", "email is not an address such as duty@example.com.")
            .Text(request.DisplayName, "displayName", 100)
            .Check(Roles.TryParse(request.Role, out _), "role", "role is one of: admin, manager, responder, viewer.")
            .Check(request.Language is null || Languages.Contains(request.Language), "language", "language is zh-CN or en.")
            .Text(request.Phone, "phone", 30, required: false);
        if (request.Password is not null && PasswordProblem(request.Password) is { } weak)
            errors.Check(false, "password", weak);
        errors.ThrowIfAny();
        var email = request.Email!.Trim().ToLowerInvariant();
        if (await db.People.AnyAsync(p => p.Email == email, ct))
            throw RequestException.Conflict("email", $"{email} is already someone's address.");
        if (!string.IsNullOrEmpty(request.TeamId) && !await db.Teams.AnyAsync(t => t.Id == request.TeamId, ct))
            throw RequestException.Unprocessable("teamId", $"There is no team '{request.TeamId}'.");
        var person = new Person
        {
            Email = email,
            DisplayName = request.DisplayName!.Trim(),
            Role = Roles.Parse(request.Role).Name(),
            Language = request.Language ?? "zh-CN",
            TeamId = string.IsNullOrEmpty(request.TeamId) ? null : request.TeamId,
            Phone = string.IsNullOrWhiteSpace(request.Phone) ? null : request.Phone.Trim(),
            CreatedAt = now,
        };
        if (request.Password is not null)
            person.PasswordHash = HashPassword(person, request.Password);
        db.People.Add(person);
        db.Record(user, "person.created", "person", person.Id, null, View(person), now);
        await db.SaveChangesAsync(ct);
        return person;
    }

    public static async Task<Person> UpdateAsync(MusterDb db, string id, PersonUpdate request, ClaimsPrincipal? user, DateTime now, CancellationToken ct = default)
    {
        var person = await db.People.FindAsync([id], ct) ?? throw RequestException.NotFound("person", id);
        new Problems.Errors()
            .Text(request.DisplayName, "displayName", 100, required: false)
            .Check(request.Role is null || Roles.TryParse(request.Role, out _), "role", "role is one of: admin, manager, responder, viewer.")
            .Check(request.Language is null || Languages.Contains(request.Language), "language", "language is zh-CN or en.")
            .Text(request.Phone, "phone", 30, required: false)
            .ThrowIfAny();
        var before = View(person);
        if (!string.IsNullOrWhiteSpace(request.DisplayName)) person.DisplayName = request.DisplayName.Trim();
        if (request.Role is not null && Roles.TryParse(request.Role, out var role)) person.Role = role.Name();
        if (request.Language is not null) person.Language = request.Language;
        if (request.TeamId is not null) person.TeamId = request.TeamId.Length == 0 ? null : request.TeamId;
        if (request.Phone is not null) person.Phone = request.Phone.Length == 0 ? null : request.Phone.Trim();
        if (request.Active is { } active) person.Active = active;
        if (before.Role == Roles.Admin && (person.Role != Roles.Admin || !person.Active)
            && !await db.People.AnyAsync(p => p.Id != person.Id && p.Role == Roles.Admin && p.Active, ct))
            throw RequestException.Conflict("role", "This is the last active administrator; make someone else an administrator first.");
        db.Record(user, "person.updated", "person", person.Id, before, View(person), now);
        await db.SaveChangesAsync(ct);
        return person;
    }
}
