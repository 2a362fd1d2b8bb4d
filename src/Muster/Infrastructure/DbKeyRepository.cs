using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Muster.Data;

namespace Muster.Infrastructure;

/// <summary>
/// Keeps the data-protection keys (sign-in cookies, form tokens) in the database, so they survive
/// a restart and every process on a shared PostgreSQL reads the same keys.
/// </summary>
public sealed class DbKeyRepository(IServiceScopeFactory scopes) : IXmlRepository
{
    private const string Prefix = "dataprotection:";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        return db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(Prefix)).OrderBy(s => s.Key)
            .Select(s => s.Value).ToList().Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MusterDb>();
        db.Settings.Add(new Setting { Key = Prefix + friendlyName, Value = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }
}
