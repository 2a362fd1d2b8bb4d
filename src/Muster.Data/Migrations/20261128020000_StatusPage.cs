using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Muster.Data.Migrations;

/// <summary>The public status page: components mapped to services, posts with updates, and subscribers.</summary>
[DbContext(typeof(MusterDb))]
[Migration("20261128020000_StatusPage")]
public sealed class StatusPage : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.CreateTable(
            name: "StatusComponents",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                NameZh = table.Column<string>(name: "NameZh", nullable: false),
                NameEn = table.Column<string>(name: "NameEn", nullable: false),
                DescriptionZh = table.Column<string>(name: "DescriptionZh", nullable: true),
                DescriptionEn = table.Column<string>(name: "DescriptionEn", nullable: true),
                Group = table.Column<string>(name: "Group", nullable: true),
                Order = table.Column<int>(name: "Order", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                UpdatedAt = table.Column<DateTime>(name: "UpdatedAt", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_StatusComponents", x => x.Id));

        b.CreateTable(
            name: "StatusComponentServices",
            columns: table => new
            {
                ComponentId = table.Column<string>(name: "ComponentId", nullable: false),
                ServiceId = table.Column<string>(name: "ServiceId", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_StatusComponentServices", x => new { x.ComponentId, x.ServiceId });
                table.ForeignKey("FK_StatusComponentServices_StatusComponents_ComponentId", x => x.ComponentId, "StatusComponents", "Id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_StatusComponentServices_Services_ServiceId", x => x.ServiceId, "Services", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_StatusComponentServices_ServiceId", table: "StatusComponentServices", column: "ServiceId");

        b.CreateTable(
            name: "StatusPosts",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Kind = table.Column<string>(name: "Kind", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: true),
                TitleZh = table.Column<string>(name: "TitleZh", nullable: false),
                TitleEn = table.Column<string>(name: "TitleEn", nullable: false),
                ComponentIds = table.Column<string>(name: "ComponentIds", nullable: false),
                StartsAt = table.Column<DateTime>(name: "StartsAt", nullable: true),
                EndsAt = table.Column<DateTime>(name: "EndsAt", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                UpdatedAt = table.Column<DateTime>(name: "UpdatedAt", nullable: false),
                ResolvedAt = table.Column<DateTime>(name: "ResolvedAt", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_StatusPosts", x => x.Id);
                table.ForeignKey("FK_StatusPosts_Incidents_IncidentId", x => x.IncidentId, "Incidents", "Id", onDelete: ReferentialAction.SetNull);
            });
        b.CreateIndex(name: "IX_StatusPosts_IncidentId", table: "StatusPosts", column: "IncidentId");
        b.CreateIndex(name: "IX_StatusPosts_CreatedAt", table: "StatusPosts", column: "CreatedAt");

        b.CreateTable(
            name: "StatusUpdates",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                PostId = table.Column<string>(name: "PostId", nullable: false),
                Status = table.Column<string>(name: "Status", nullable: false),
                TextZh = table.Column<string>(name: "TextZh", nullable: false),
                TextEn = table.Column<string>(name: "TextEn", nullable: false),
                State = table.Column<string>(name: "State", nullable: false),
                CreatedBy = table.Column<string>(name: "CreatedBy", nullable: true),
                CreatedByName = table.Column<string>(name: "CreatedByName", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                DecidedBy = table.Column<string>(name: "DecidedBy", nullable: true),
                PublishedAt = table.Column<DateTime>(name: "PublishedAt", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_StatusUpdates", x => x.Id);
                table.ForeignKey("FK_StatusUpdates_StatusPosts_PostId", x => x.PostId, "StatusPosts", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_StatusUpdates_PostId_CreatedAt", table: "StatusUpdates", columns: ["PostId", "CreatedAt"]);

        b.CreateTable(
            name: "StatusSubscribers",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Kind = table.Column<string>(name: "Kind", nullable: false),
                Address = table.Column<string>(name: "Address", nullable: false),
                Language = table.Column<string>(name: "Language", nullable: false),
                ComponentIds = table.Column<string>(name: "ComponentIds", nullable: true),
                Code = table.Column<string>(name: "Code", nullable: true),
                ConfirmedAt = table.Column<DateTime>(name: "ConfirmedAt", nullable: true),
                UnsubscribedAt = table.Column<DateTime>(name: "UnsubscribedAt", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_StatusSubscribers", x => x.Id));
        b.CreateIndex(name: "IX_StatusSubscribers_Kind_Address", table: "StatusSubscribers", columns: ["Kind", "Address"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var table in new[] { "StatusSubscribers", "StatusUpdates", "StatusPosts", "StatusComponentServices", "StatusComponents" })
            migrationBuilder.DropTable(name: table);
    }
}
