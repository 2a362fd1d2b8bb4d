using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Localization;
using Microsoft.EntityFrameworkCore;
using Muster.Data;
using Muster.Features.People;
using Muster.Infrastructure;

namespace Muster.Features.Account;

public static class AccountEndpoints
{
    public static void MapAccount(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", async (HttpContext http) =>
            {
                await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                return Results.LocalRedirect("/login");
            })
            .AllowAnonymous().ExcludeFromDescription();

        // The language switch: a cookie for this browser, and the person's own language if signed in.
        app.MapGet("/culture", async (string lang, string? returnUrl, HttpContext http, MusterDb db, CancellationToken ct) =>
            {
                if (!PeopleEndpoints.Languages.Contains(lang))
                    return Problems.Invalid("lang", "lang is zh-CN or en.");
                http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(lang)),
                    new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax });
                if (http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } id)
                    await db.People.Where(p => p.Id == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Language, lang), ct);
                return Results.LocalRedirect(returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//") ? url : "/");
            })
            .AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>Checks a person's password and signs them in with a cookie; false when either is wrong.</summary>
    public static async Task<bool> SignInAsync(HttpContext http, MusterDb db, string email, string password)
    {
        var normalized = email.Trim().ToLowerInvariant();
        var person = await db.People.FirstOrDefaultAsync(p => p.Email == normalized && p.Active);
        if (person is null || !PeopleEndpoints.CheckPassword(person, password))
            return false;
        var principal = AuthSetup.Principal(person.Id, person.DisplayName, person.Role, CookieAuthenticationDefaults.AuthenticationScheme, person.Language);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(person.Language)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax });
        return true;
    }
}
