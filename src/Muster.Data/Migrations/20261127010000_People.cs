using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Muster.Data.Migrations;

/// <summary>Contact methods, channels, schedules with overrides and swaps, calendars, escalation policies, and the delivery log.</summary>
[DbContext(typeof(MusterDb))]
[Migration("20261127010000_People")]
public sealed class People : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.AddColumn<string>(name: "NotificationRules", table: "People", nullable: true);
        b.AddColumn<string>(name: "CalendarToken", table: "People", nullable: true);
        b.CreateIndex(name: "IX_People_CalendarToken", table: "People", column: "CalendarToken", unique: true);
        b.AddColumn<string>(name: "EscalationPolicyId", table: "Services", nullable: true);

        b.CreateTable(
            name: "ContactMethods",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                PersonId = table.Column<string>(name: "PersonId", nullable: false),
                Type = table.Column<string>(name: "Type", nullable: false),
                Address = table.Column<string>(name: "Address", nullable: false),
                Label = table.Column<string>(name: "Label", nullable: true),
                ChannelId = table.Column<string>(name: "ChannelId", nullable: true),
                StoppedAt = table.Column<DateTime>(name: "StoppedAt", nullable: true),
                StoppedReason = table.Column<string>(name: "StoppedReason", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ContactMethods", x => x.Id);
                table.ForeignKey("FK_ContactMethods_People_PersonId", x => x.PersonId, "People", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_ContactMethods_PersonId", table: "ContactMethods", column: "PersonId");

        b.CreateTable(
            name: "NotificationChannels",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Type = table.Column<string>(name: "Type", nullable: false),
                Name = table.Column<string>(name: "Name", nullable: false),
                Settings = table.Column<string>(name: "Settings", nullable: false),
                Enabled = table.Column<bool>(name: "Enabled", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_NotificationChannels", x => x.Id));

        b.CreateTable(
            name: "Schedules",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Name = table.Column<string>(name: "Name", nullable: false),
                TeamId = table.Column<string>(name: "TeamId", nullable: true),
                CalendarId = table.Column<string>(name: "CalendarId", nullable: true),
                Definition = table.Column<string>(name: "Definition", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                UpdatedAt = table.Column<DateTime>(name: "UpdatedAt", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_Schedules", x => x.Id));

        b.CreateTable(
            name: "ScheduleOverrides",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                ScheduleId = table.Column<string>(name: "ScheduleId", nullable: false),
                StartsAt = table.Column<DateTime>(name: "StartsAt", nullable: false),
                EndsAt = table.Column<DateTime>(name: "EndsAt", nullable: false),
                Kind = table.Column<string>(name: "Kind", nullable: false),
                PersonId = table.Column<string>(name: "PersonId", nullable: false),
                ReplacesPersonId = table.Column<string>(name: "ReplacesPersonId", nullable: true),
                Reason = table.Column<string>(name: "Reason", nullable: true),
                CreatedBy = table.Column<string>(name: "CreatedBy", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ScheduleOverrides", x => x.Id);
                table.ForeignKey("FK_ScheduleOverrides_Schedules_ScheduleId", x => x.ScheduleId, "Schedules", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_ScheduleOverrides_ScheduleId_EndsAt", table: "ScheduleOverrides", columns: ["ScheduleId", "EndsAt"]);

        b.CreateTable(
            name: "SwapRequests",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                ScheduleId = table.Column<string>(name: "ScheduleId", nullable: false),
                RequestedBy = table.Column<string>(name: "RequestedBy", nullable: false),
                WithPersonId = table.Column<string>(name: "WithPersonId", nullable: false),
                StartsAt = table.Column<DateTime>(name: "StartsAt", nullable: false),
                EndsAt = table.Column<DateTime>(name: "EndsAt", nullable: false),
                Reason = table.Column<string>(name: "Reason", nullable: true),
                Status = table.Column<string>(name: "Status", nullable: false),
                DecidedBy = table.Column<string>(name: "DecidedBy", nullable: true),
                DecidedAt = table.Column<DateTime>(name: "DecidedAt", nullable: true),
                OverrideId = table.Column<string>(name: "OverrideId", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_SwapRequests", x => x.Id);
                table.ForeignKey("FK_SwapRequests_Schedules_ScheduleId", x => x.ScheduleId, "Schedules", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_SwapRequests_ScheduleId_Status", table: "SwapRequests", columns: ["ScheduleId", "Status"]);

        b.CreateTable(
            name: "WorkingCalendars",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Name = table.Column<string>(name: "Name", nullable: false),
                Entries = table.Column<string>(name: "Entries", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_WorkingCalendars", x => x.Id));

        b.CreateTable(
            name: "EscalationPolicies",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Name = table.Column<string>(name: "Name", nullable: false),
                Definition = table.Column<string>(name: "Definition", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                UpdatedAt = table.Column<DateTime>(name: "UpdatedAt", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_EscalationPolicies", x => x.Id));

        b.CreateTable(
            name: "Notifications",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: true),
                PersonId = table.Column<string>(name: "PersonId", nullable: true),
                ContactMethodId = table.Column<string>(name: "ContactMethodId", nullable: true),
                ChannelId = table.Column<string>(name: "ChannelId", nullable: true),
                Type = table.Column<string>(name: "Type", nullable: false),
                Kind = table.Column<string>(name: "Kind", nullable: false),
                Step = table.Column<int>(name: "Step", nullable: true),
                Round = table.Column<int>(name: "Round", nullable: true),
                Status = table.Column<string>(name: "Status", nullable: false),
                Attempts = table.Column<int>(name: "Attempts", nullable: false),
                Detail = table.Column<string>(name: "Detail", nullable: true),
                ProviderId = table.Column<string>(name: "ProviderId", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                DueAt = table.Column<DateTime>(name: "DueAt", nullable: false),
                SentAt = table.Column<DateTime>(name: "SentAt", nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_Notifications", x => x.Id));
        b.CreateIndex(name: "IX_Notifications_IncidentId_CreatedAt", table: "Notifications", columns: ["IncidentId", "CreatedAt"]);
        b.CreateIndex(name: "IX_Notifications_ContactMethodId_SentAt", table: "Notifications", columns: ["ContactMethodId", "SentAt"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        foreach (var table in new[] { "Notifications", "EscalationPolicies", "WorkingCalendars", "SwapRequests", "ScheduleOverrides", "Schedules", "NotificationChannels", "ContactMethods" })
            b.DropTable(name: table);
        b.DropColumn(name: "EscalationPolicyId", table: "Services");
        b.DropIndex(name: "IX_People_CalendarToken", table: "People");
        b.DropColumn(name: "CalendarToken", table: "People");
        b.DropColumn(name: "NotificationRules", table: "People");
    }
}
