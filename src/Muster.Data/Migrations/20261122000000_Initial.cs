using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Muster.Data.Migrations;

/// <summary>
/// Written by hand (the EF design-time package does not restore here). Columns name CLR types so
/// that each provider picks its own SQL type; a test compares the result with the model.
/// </summary>
[DbContext(typeof(MusterDb))]
[Migration("20261122000000_Initial")]
public sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.CreateTable(
            name: "ApiKeys",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Name = table.Column<string>(name: "Name", nullable: false),
                Role = table.Column<string>(name: "Role", nullable: false),
                Prefix = table.Column<string>(name: "Prefix", nullable: false),
                Hash = table.Column<string>(name: "Hash", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                LastUsedAt = table.Column<DateTime>(name: "LastUsedAt", nullable: true),
                RevokedAt = table.Column<DateTime>(name: "RevokedAt", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ApiKeys", x => x.Id);
            });

        b.CreateTable(
            name: "AuditEntries",
            columns: table => new
            {
                Id = table.Column<long>(name: "Id", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                At = table.Column<DateTime>(name: "At", nullable: false),
                ActorId = table.Column<string>(name: "ActorId", nullable: true),
                ActorName = table.Column<string>(name: "ActorName", nullable: false),
                Action = table.Column<string>(name: "Action", nullable: false),
                EntityType = table.Column<string>(name: "EntityType", nullable: false),
                EntityId = table.Column<string>(name: "EntityId", nullable: false),
                Before = table.Column<string>(name: "Before", nullable: true),
                After = table.Column<string>(name: "After", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AuditEntries", x => x.Id);
            });

        b.CreateTable(
            name: "Counters",
            columns: table => new
            {
                Name = table.Column<string>(name: "Name", nullable: false),
                Value = table.Column<long>(name: "Value", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Counters", x => x.Name);
            });

        b.CreateTable(
            name: "Plans",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Key = table.Column<string>(name: "Key", nullable: false),
                NameZh = table.Column<string>(name: "NameZh", nullable: false),
                NameEn = table.Column<string>(name: "NameEn", nullable: false),
                ActiveVersionId = table.Column<string>(name: "ActiveVersionId", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Plans", x => x.Id);
            });

        b.CreateTable(
            name: "Settings",
            columns: table => new
            {
                Key = table.Column<string>(name: "Key", nullable: false),
                Value = table.Column<string>(name: "Value", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Settings", x => x.Key);
            });

        b.CreateTable(
            name: "Teams",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Name = table.Column<string>(name: "Name", nullable: false),
                Description = table.Column<string>(name: "Description", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Teams", x => x.Id);
            });

        b.CreateTable(
            name: "WorkItems",
            columns: table => new
            {
                Id = table.Column<long>(name: "Id", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                Kind = table.Column<string>(name: "Kind", nullable: false),
                Key = table.Column<string>(name: "Key", nullable: false),
                Payload = table.Column<string>(name: "Payload", nullable: true),
                DueAt = table.Column<DateTime>(name: "DueAt", nullable: false),
                LeaseOwner = table.Column<string>(name: "LeaseOwner", nullable: true),
                LeaseUntil = table.Column<DateTime>(name: "LeaseUntil", nullable: true),
                Attempts = table.Column<int>(name: "Attempts", nullable: false),
                LastError = table.Column<string>(name: "LastError", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WorkItems", x => x.Id);
            });

        b.CreateTable(
            name: "PlanVersions",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                PlanId = table.Column<string>(name: "PlanId", nullable: false),
                Version = table.Column<int>(name: "Version", nullable: false),
                Definition = table.Column<string>(name: "Definition", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                CreatedBy = table.Column<string>(name: "CreatedBy", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PlanVersions", x => x.Id);
                table.ForeignKey(
                    name: "FK_PlanVersions_Plans_PlanId",
                    column: x => x.PlanId,
                    principalTable: "Plans",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        b.CreateTable(
            name: "People",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Email = table.Column<string>(name: "Email", nullable: false),
                DisplayName = table.Column<string>(name: "DisplayName", nullable: false),
                Role = table.Column<string>(name: "Role", nullable: false),
                PasswordHash = table.Column<string>(name: "PasswordHash", nullable: true),
                Language = table.Column<string>(name: "Language", nullable: false),
                TeamId = table.Column<string>(name: "TeamId", nullable: true),
                Phone = table.Column<string>(name: "Phone", nullable: true),
                Active = table.Column<bool>(name: "Active", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_People", x => x.Id);
                table.ForeignKey(
                    name: "FK_People_Teams_TeamId",
                    column: x => x.TeamId,
                    principalTable: "Teams",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.SetNull);
            });

        b.CreateTable(
            name: "Services",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Name = table.Column<string>(name: "Name", nullable: false),
                Description = table.Column<string>(name: "Description", nullable: true),
                TeamId = table.Column<string>(name: "TeamId", nullable: true),
                PlanId = table.Column<string>(name: "PlanId", nullable: true),
                KeepOpenWhenAlertsResolve = table.Column<bool>(name: "KeepOpenWhenAlertsResolve", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Services", x => x.Id);
                table.ForeignKey(
                    name: "FK_Services_Plans_PlanId",
                    column: x => x.PlanId,
                    principalTable: "Plans",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.SetNull);
                table.ForeignKey(
                    name: "FK_Services_Teams_TeamId",
                    column: x => x.TeamId,
                    principalTable: "Teams",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.SetNull);
            });

        b.CreateTable(
            name: "Incidents",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Number = table.Column<int>(name: "Number", nullable: false),
                Title = table.Column<string>(name: "Title", nullable: false),
                Description = table.Column<string>(name: "Description", nullable: true),
                ServiceId = table.Column<string>(name: "ServiceId", nullable: false),
                PlanVersionId = table.Column<string>(name: "PlanVersionId", nullable: false),
                Drill = table.Column<bool>(name: "Drill", nullable: false),
                Status = table.Column<string>(name: "Status", nullable: false),
                StartedAt = table.Column<DateTime>(name: "StartedAt", nullable: false),
                DeclaredAt = table.Column<DateTime>(name: "DeclaredAt", nullable: false),
                AcknowledgedAt = table.Column<DateTime>(name: "AcknowledgedAt", nullable: true),
                InvestigatingAt = table.Column<DateTime>(name: "InvestigatingAt", nullable: true),
                RepairingAt = table.Column<DateTime>(name: "RepairingAt", nullable: true),
                MitigatedAt = table.Column<DateTime>(name: "MitigatedAt", nullable: true),
                ResolvedAt = table.Column<DateTime>(name: "ResolvedAt", nullable: true),
                VerifiedAt = table.Column<DateTime>(name: "VerifiedAt", nullable: true),
                ClosedAt = table.Column<DateTime>(name: "ClosedAt", nullable: true),
                UpdatedAt = table.Column<DateTime>(name: "UpdatedAt", nullable: false),
                SeverityLevel = table.Column<string>(name: "SeverityLevel", nullable: false),
                SeverityRank = table.Column<int>(name: "SeverityRank", nullable: false),
                RuleRank = table.Column<int>(name: "RuleRank", nullable: false),
                ImpactAffectedUsers = table.Column<int>(name: "Impact_AffectedUsers", nullable: true),
                ImpactAvailabilityPercent = table.Column<double>(name: "Impact_AvailabilityPercent", nullable: true),
                ImpactComplaintGrowthPercent = table.Column<double>(name: "Impact_ComplaintGrowthPercent", nullable: true),
                ImpactCondition = table.Column<string>(name: "Impact_Condition", nullable: true),
                ImpactFundsAtRisk = table.Column<bool>(name: "Impact_FundsAtRisk", nullable: true),
                ImpactOutageMinutes = table.Column<int>(name: "Impact_OutageMinutes", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Incidents", x => x.Id);
                table.ForeignKey(
                    name: "FK_Incidents_PlanVersions_PlanVersionId",
                    column: x => x.PlanVersionId,
                    principalTable: "PlanVersions",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Restrict);
                table.ForeignKey(
                    name: "FK_Incidents_Services_ServiceId",
                    column: x => x.ServiceId,
                    principalTable: "Services",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Restrict);
            });

        b.CreateTable(
            name: "TimelineEntries",
            columns: table => new
            {
                Id = table.Column<long>(name: "Id", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: false),
                At = table.Column<DateTime>(name: "At", nullable: false),
                Kind = table.Column<string>(name: "Kind", nullable: false),
                ActorId = table.Column<string>(name: "ActorId", nullable: true),
                ActorName = table.Column<string>(name: "ActorName", nullable: false),
                Note = table.Column<string>(name: "Note", nullable: true),
                From = table.Column<string>(name: "From", nullable: true),
                To = table.Column<string>(name: "To", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TimelineEntries", x => x.Id);
                table.ForeignKey(
                    name: "FK_TimelineEntries_Incidents_IncidentId",
                    column: x => x.IncidentId,
                    principalTable: "Incidents",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        b.CreateIndex(
            name: "IX_ApiKeys_Prefix",
            table: "ApiKeys",
            column: "Prefix",
            unique: true);

        b.CreateIndex(
            name: "IX_AuditEntries_At",
            table: "AuditEntries",
            column: "At");

        b.CreateIndex(
            name: "IX_Incidents_DeclaredAt",
            table: "Incidents",
            column: "DeclaredAt");

        b.CreateIndex(
            name: "IX_Incidents_Number",
            table: "Incidents",
            column: "Number",
            unique: true);

        b.CreateIndex(
            name: "IX_Incidents_PlanVersionId",
            table: "Incidents",
            column: "PlanVersionId");

        b.CreateIndex(
            name: "IX_Incidents_ServiceId_DeclaredAt",
            table: "Incidents",
            columns: new[] { "ServiceId", "DeclaredAt" });

        b.CreateIndex(
            name: "IX_Incidents_SeverityRank_DeclaredAt",
            table: "Incidents",
            columns: new[] { "SeverityRank", "DeclaredAt" });

        b.CreateIndex(
            name: "IX_Incidents_Status_DeclaredAt",
            table: "Incidents",
            columns: new[] { "Status", "DeclaredAt" });

        b.CreateIndex(
            name: "IX_People_Email",
            table: "People",
            column: "Email",
            unique: true);

        b.CreateIndex(
            name: "IX_People_TeamId",
            table: "People",
            column: "TeamId");

        b.CreateIndex(
            name: "IX_Plans_Key",
            table: "Plans",
            column: "Key",
            unique: true);

        b.CreateIndex(
            name: "IX_PlanVersions_PlanId_Version",
            table: "PlanVersions",
            columns: new[] { "PlanId", "Version" },
            unique: true);

        b.CreateIndex(
            name: "IX_Services_Name",
            table: "Services",
            column: "Name",
            unique: true);

        b.CreateIndex(
            name: "IX_Services_PlanId",
            table: "Services",
            column: "PlanId");

        b.CreateIndex(
            name: "IX_Services_TeamId",
            table: "Services",
            column: "TeamId");

        b.CreateIndex(
            name: "IX_Teams_Name",
            table: "Teams",
            column: "Name",
            unique: true);

        b.CreateIndex(
            name: "IX_TimelineEntries_IncidentId_At",
            table: "TimelineEntries",
            columns: new[] { "IncidentId", "At" });

        b.CreateIndex(
            name: "IX_WorkItems_DueAt",
            table: "WorkItems",
            column: "DueAt");

        b.CreateIndex(
            name: "IX_WorkItems_Key",
            table: "WorkItems",
            column: "Key",
            unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.DropTable(name: "TimelineEntries");
        b.DropTable(name: "Incidents");
        b.DropTable(name: "Services");
        b.DropTable(name: "People");
        b.DropTable(name: "PlanVersions");
        b.DropTable(name: "WorkItems");
        b.DropTable(name: "Teams");
        b.DropTable(name: "Settings");
        b.DropTable(name: "Plans");
        b.DropTable(name: "Counters");
        b.DropTable(name: "AuditEntries");
        b.DropTable(name: "ApiKeys");
    }
}
