using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Muster.Data.Migrations;

/// <summary>Intake: integrations, the event inbox, alerts and maintenance windows. Written by hand, like every migration here.</summary>
[DbContext(typeof(MusterDb))]
[Migration("20261122010000_Intake")]
public sealed class Intake : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.CreateTable(
            name: "Integrations",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                ServiceId = table.Column<string>(name: "ServiceId", nullable: false),
                Type = table.Column<string>(name: "Type", nullable: false),
                Name = table.Column<string>(name: "Name", nullable: false),
                Secret = table.Column<string>(name: "Secret", nullable: false),
                Enabled = table.Column<bool>(name: "Enabled", nullable: false),
                IntervalSeconds = table.Column<int>(name: "IntervalSeconds", nullable: true),
                GraceSeconds = table.Column<int>(name: "GraceSeconds", nullable: true),
                RateLimitPerMinute = table.Column<int>(name: "RateLimitPerMinute", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                LastEventAt = table.Column<DateTime>(name: "LastEventAt", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Integrations", x => x.Id);
                table.ForeignKey(
                    name: "FK_Integrations_Services_ServiceId",
                    column: x => x.ServiceId,
                    principalTable: "Services",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        b.CreateIndex(
            name: "IX_Integrations_Secret",
            table: "Integrations",
            column: "Secret",
            unique: true);

        b.CreateIndex(
            name: "IX_Integrations_ServiceId",
            table: "Integrations",
            column: "ServiceId");

        b.CreateTable(
            name: "AlertEvents",
            columns: table => new
            {
                Id = table.Column<long>(name: "Id", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                IntegrationId = table.Column<string>(name: "IntegrationId", nullable: false),
                ReceivedAt = table.Column<DateTime>(name: "ReceivedAt", nullable: false),
                Action = table.Column<string>(name: "Action", nullable: false),
                DedupKey = table.Column<string>(name: "DedupKey", nullable: false),
                Summary = table.Column<string>(name: "Summary", nullable: true),
                Source = table.Column<string>(name: "Source", nullable: true),
                Severity = table.Column<string>(name: "Severity", nullable: true),
                GroupKey = table.Column<string>(name: "GroupKey", nullable: true),
                Payload = table.Column<string>(name: "Payload", nullable: true),
                ProcessedAt = table.Column<DateTime>(name: "ProcessedAt", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AlertEvents", x => x.Id);
            });

        b.CreateIndex(
            name: "IX_AlertEvents_ProcessedAt",
            table: "AlertEvents",
            column: "ProcessedAt");

        b.CreateTable(
            name: "Alerts",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                IntegrationId = table.Column<string>(name: "IntegrationId", nullable: false),
                ServiceId = table.Column<string>(name: "ServiceId", nullable: false),
                DedupKey = table.Column<string>(name: "DedupKey", nullable: false),
                GroupKey = table.Column<string>(name: "GroupKey", nullable: false),
                Status = table.Column<string>(name: "Status", nullable: false),
                Summary = table.Column<string>(name: "Summary", nullable: false),
                Source = table.Column<string>(name: "Source", nullable: true),
                Severity = table.Column<string>(name: "Severity", nullable: true),
                Details = table.Column<string>(name: "Details", nullable: true),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: true),
                EventCount = table.Column<int>(name: "EventCount", nullable: false),
                FirstSeenAt = table.Column<DateTime>(name: "FirstSeenAt", nullable: false),
                LastSeenAt = table.Column<DateTime>(name: "LastSeenAt", nullable: false),
                ResolvedAt = table.Column<DateTime>(name: "ResolvedAt", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Alerts", x => x.Id);
                table.ForeignKey(
                    name: "FK_Alerts_Incidents_IncidentId",
                    column: x => x.IncidentId,
                    principalTable: "Incidents",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.SetNull);
                table.ForeignKey(
                    name: "FK_Alerts_Integrations_IntegrationId",
                    column: x => x.IntegrationId,
                    principalTable: "Integrations",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        b.CreateIndex(
            name: "IX_Alerts_IncidentId",
            table: "Alerts",
            column: "IncidentId");

        b.CreateIndex(
            name: "IX_Alerts_IntegrationId_DedupKey",
            table: "Alerts",
            columns: new[] { "IntegrationId", "DedupKey" },
            unique: true);

        b.CreateIndex(
            name: "IX_Alerts_ServiceId_GroupKey",
            table: "Alerts",
            columns: new[] { "ServiceId", "GroupKey" });

        b.CreateTable(
            name: "MaintenanceWindows",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                ServiceId = table.Column<string>(name: "ServiceId", nullable: false),
                StartsAt = table.Column<DateTime>(name: "StartsAt", nullable: false),
                EndsAt = table.Column<DateTime>(name: "EndsAt", nullable: false),
                Reason = table.Column<string>(name: "Reason", nullable: false),
                CreatedBy = table.Column<string>(name: "CreatedBy", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_MaintenanceWindows", x => x.Id);
                table.ForeignKey(
                    name: "FK_MaintenanceWindows_Services_ServiceId",
                    column: x => x.ServiceId,
                    principalTable: "Services",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        b.CreateIndex(
            name: "IX_MaintenanceWindows_ServiceId_EndsAt",
            table: "MaintenanceWindows",
            columns: new[] { "ServiceId", "EndsAt" });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.DropTable(name: "MaintenanceWindows");
        b.DropTable(name: "Alerts");
        b.DropTable(name: "AlertEvents");
        b.DropTable(name: "Integrations");
    }
}
