using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Muster.Data.Migrations;

/// <summary>Post-incident reviews with their action items, satisfaction surveys, and drills.</summary>
[DbContext(typeof(MusterDb))]
[Migration("20261128040000_Learning")]
public sealed class Learning : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.AddColumn<string>(name: "Subject", table: "Notifications", nullable: true);

        b.CreateTable(
            name: "Reviews",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: false),
                State = table.Column<string>(name: "State", nullable: false),
                Required = table.Column<bool>(name: "Required", nullable: false),
                DueAt = table.Column<DateTime>(name: "DueAt", nullable: true),
                OwnerId = table.Column<string>(name: "OwnerId", nullable: true),
                Summary = table.Column<string>(name: "Summary", nullable: false),
                AffectedUsers = table.Column<int>(name: "AffectedUsers", nullable: true),
                RootCause = table.Column<string>(name: "RootCause", nullable: true),
                RootCauseDetail = table.Column<string>(name: "RootCauseDetail", nullable: true),
                ContributingFactors = table.Column<string>(name: "ContributingFactors", nullable: true),
                WentWell = table.Column<string>(name: "WentWell", nullable: true),
                WentBadly = table.Column<string>(name: "WentBadly", nullable: true),
                MeetingAt = table.Column<DateTime>(name: "MeetingAt", nullable: true),
                Attendees = table.Column<string>(name: "Attendees", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                UpdatedAt = table.Column<DateTime>(name: "UpdatedAt", nullable: false),
                PublishedAt = table.Column<DateTime>(name: "PublishedAt", nullable: true),
                PublishedBy = table.Column<string>(name: "PublishedBy", nullable: true),
                RemindedAt = table.Column<DateTime>(name: "RemindedAt", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Reviews", x => x.Id);
                table.ForeignKey("FK_Reviews_Incidents_IncidentId", x => x.IncidentId, "Incidents", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_Reviews_IncidentId", table: "Reviews", column: "IncidentId", unique: true);
        b.CreateIndex(name: "IX_Reviews_State_DueAt", table: "Reviews", columns: ["State", "DueAt"]);

        b.CreateTable(
            name: "DrillScenarios",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Name = table.Column<string>(name: "Name", nullable: false),
                Description = table.Column<string>(name: "Description", nullable: true),
                ServiceId = table.Column<string>(name: "ServiceId", nullable: false),
                Level = table.Column<string>(name: "Level", nullable: false),
                Alerts = table.Column<string>(name: "Alerts", nullable: false),
                Reports = table.Column<string>(name: "Reports", nullable: false),
                Participants = table.Column<string>(name: "Participants", nullable: false),
                CustomerMessages = table.Column<bool>(name: "CustomerMessages", nullable: false),
                QuarterMonth = table.Column<int>(name: "QuarterMonth", nullable: true),
                QuarterDay = table.Column<int>(name: "QuarterDay", nullable: true),
                QuarterTime = table.Column<string>(name: "QuarterTime", nullable: true),
                OneOffAt = table.Column<DateTime>(name: "OneOffAt", nullable: true),
                DeviceType = table.Column<string>(name: "DeviceType", nullable: true),
                ReminderDays = table.Column<int>(name: "ReminderDays", nullable: false),
                NextAt = table.Column<DateTime>(name: "NextAt", nullable: true),
                Active = table.Column<bool>(name: "Active", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                UpdatedAt = table.Column<DateTime>(name: "UpdatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DrillScenarios", x => x.Id);
                table.ForeignKey("FK_DrillScenarios_Services_ServiceId", x => x.ServiceId, "Services", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_DrillScenarios_ServiceId", table: "DrillScenarios", column: "ServiceId");

        b.CreateTable(
            name: "DrillRuns",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                ScenarioId = table.Column<string>(name: "ScenarioId", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: false),
                StartedAt = table.Column<DateTime>(name: "StartedAt", nullable: false),
                StartedBy = table.Column<string>(name: "StartedBy", nullable: true),
                Notes = table.Column<string>(name: "Notes", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DrillRuns", x => x.Id);
                table.ForeignKey("FK_DrillRuns_DrillScenarios_ScenarioId", x => x.ScenarioId, "DrillScenarios", "Id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_DrillRuns_Incidents_IncidentId", x => x.IncidentId, "Incidents", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_DrillRuns_ScenarioId_StartedAt", table: "DrillRuns", columns: ["ScenarioId", "StartedAt"]);
        b.CreateIndex(name: "IX_DrillRuns_IncidentId", table: "DrillRuns", column: "IncidentId", unique: true);

        b.CreateTable(
            name: "ActionItems",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                ReviewId = table.Column<string>(name: "ReviewId", nullable: true),
                DrillRunId = table.Column<string>(name: "DrillRunId", nullable: true),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: false),
                Title = table.Column<string>(name: "Title", nullable: false),
                OwnerId = table.Column<string>(name: "OwnerId", nullable: true),
                DueOn = table.Column<DateTime>(name: "DueOn", nullable: true),
                State = table.Column<string>(name: "State", nullable: false),
                DoneAt = table.Column<DateTime>(name: "DoneAt", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ActionItems", x => x.Id);
                table.ForeignKey("FK_ActionItems_Reviews_ReviewId", x => x.ReviewId, "Reviews", "Id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_ActionItems_DrillRuns_DrillRunId", x => x.DrillRunId, "DrillRuns", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_ActionItems_State_DueOn", table: "ActionItems", columns: ["State", "DueOn"]);
        b.CreateIndex(name: "IX_ActionItems_ReviewId", table: "ActionItems", column: "ReviewId");
        b.CreateIndex(name: "IX_ActionItems_DrillRunId", table: "ActionItems", column: "DrillRunId");
        b.CreateIndex(name: "IX_ActionItems_OwnerId", table: "ActionItems", column: "OwnerId");

        b.CreateTable(
            name: "SurveyInvitations",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: false),
                ServiceId = table.Column<string>(name: "ServiceId", nullable: false),
                Channel = table.Column<string>(name: "Channel", nullable: false),
                Address = table.Column<string>(name: "Address", nullable: true),
                ReporterKey = table.Column<string>(name: "ReporterKey", nullable: false),
                Language = table.Column<string>(name: "Language", nullable: false),
                Status = table.Column<string>(name: "Status", nullable: false),
                Detail = table.Column<string>(name: "Detail", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                SentAt = table.Column<DateTime>(name: "SentAt", nullable: true),
                ExpiresAt = table.Column<DateTime>(name: "ExpiresAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_SurveyInvitations", x => x.Id);
                table.ForeignKey("FK_SurveyInvitations_Incidents_IncidentId", x => x.IncidentId, "Incidents", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_SurveyInvitations_IncidentId_ReporterKey", table: "SurveyInvitations", columns: ["IncidentId", "ReporterKey"], unique: true);

        b.CreateTable(
            name: "SurveyResponses",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                InvitationId = table.Column<string>(name: "InvitationId", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: false),
                ServiceId = table.Column<string>(name: "ServiceId", nullable: false),
                Score = table.Column<int>(name: "Score", nullable: false),
                Comment = table.Column<string>(name: "Comment", nullable: true),
                RespondedAt = table.Column<DateTime>(name: "RespondedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_SurveyResponses", x => x.Id);
                table.ForeignKey("FK_SurveyResponses_SurveyInvitations_InvitationId", x => x.InvitationId, "SurveyInvitations", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_SurveyResponses_InvitationId", table: "SurveyResponses", column: "InvitationId", unique: true);
        b.CreateIndex(name: "IX_SurveyResponses_ServiceId_RespondedAt", table: "SurveyResponses", columns: ["ServiceId", "RespondedAt"]);
        b.CreateIndex(name: "IX_SurveyResponses_RespondedAt", table: "SurveyResponses", column: "RespondedAt");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        foreach (var table in new[] { "SurveyResponses", "SurveyInvitations", "ActionItems", "DrillRuns", "DrillScenarios", "Reviews" })
            b.DropTable(name: table);
        b.DropColumn(name: "Subject", table: "Notifications");
    }
}
