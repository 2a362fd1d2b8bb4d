using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Muster.Data.Migrations;

/// <summary>The response an incident's plan runs: category, roles, tasks, messages sent (upward reports, customer messages), merges and links.</summary>
[DbContext(typeof(MusterDb))]
[Migration("20261128010000_Response")]
public sealed class Response : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.AddColumn<string>(name: "Category", table: "Incidents", nullable: true);
        b.AddColumn<string>(name: "MergedIntoId", table: "Incidents", nullable: true);
        b.AddColumn<string>(name: "SubjectId", table: "Notifications", nullable: true);

        b.CreateTable(
            name: "IncidentRoles",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: false),
                RoleKey = table.Column<string>(name: "RoleKey", nullable: false),
                PersonId = table.Column<string>(name: "PersonId", nullable: false),
                AssignedAt = table.Column<DateTime>(name: "AssignedAt", nullable: false),
                AssignedBy = table.Column<string>(name: "AssignedBy", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_IncidentRoles", x => x.Id);
                table.ForeignKey("FK_IncidentRoles_Incidents_IncidentId", x => x.IncidentId, "Incidents", "Id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_IncidentRoles_People_PersonId", x => x.PersonId, "People", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_IncidentRoles_IncidentId_RoleKey_PersonId", table: "IncidentRoles", columns: ["IncidentId", "RoleKey", "PersonId"], unique: true);
        b.CreateIndex(name: "IX_IncidentRoles_PersonId", table: "IncidentRoles", column: "PersonId");

        b.CreateTable(
            name: "IncidentTasks",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: false),
                Key = table.Column<string>(name: "Key", nullable: false),
                TitleZh = table.Column<string>(name: "TitleZh", nullable: false),
                TitleEn = table.Column<string>(name: "TitleEn", nullable: false),
                RoleKey = table.Column<string>(name: "RoleKey", nullable: true),
                OwnerId = table.Column<string>(name: "OwnerId", nullable: true),
                Stage = table.Column<string>(name: "Stage", nullable: false),
                WithinMinutes = table.Column<int>(name: "WithinMinutes", nullable: true),
                Deadline = table.Column<DateTime>(name: "Deadline", nullable: true),
                State = table.Column<string>(name: "State", nullable: false),
                Reason = table.Column<string>(name: "Reason", nullable: true),
                DoneAt = table.Column<DateTime>(name: "DoneAt", nullable: true),
                DoneById = table.Column<string>(name: "DoneById", nullable: true),
                DoneByName = table.Column<string>(name: "DoneByName", nullable: true),
                Mitigation = table.Column<bool>(name: "Mitigation", nullable: false),
                UpwardIndex = table.Column<int>(name: "UpwardIndex", nullable: true),
                Level = table.Column<string>(name: "Level", nullable: false),
                Position = table.Column<int>(name: "Position", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                OverdueAt = table.Column<DateTime>(name: "OverdueAt", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_IncidentTasks", x => x.Id);
                table.ForeignKey("FK_IncidentTasks_Incidents_IncidentId", x => x.IncidentId, "Incidents", "Id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_IncidentTasks_People_OwnerId", x => x.OwnerId, "People", "Id", onDelete: ReferentialAction.SetNull);
            });
        b.CreateIndex(name: "IX_IncidentTasks_IncidentId_Key", table: "IncidentTasks", columns: ["IncidentId", "Key"], unique: true);
        b.CreateIndex(name: "IX_IncidentTasks_OwnerId", table: "IncidentTasks", column: "OwnerId");

        b.CreateTable(
            name: "IncidentMessages",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: false),
                Kind = table.Column<string>(name: "Kind", nullable: false),
                TaskId = table.Column<string>(name: "TaskId", nullable: true),
                Recipients = table.Column<string>(name: "Recipients", nullable: false),
                Text = table.Column<string>(name: "Text", nullable: false),
                SentAt = table.Column<DateTime>(name: "SentAt", nullable: false),
                SentById = table.Column<string>(name: "SentById", nullable: true),
                SentByName = table.Column<string>(name: "SentByName", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_IncidentMessages", x => x.Id);
                table.ForeignKey("FK_IncidentMessages_Incidents_IncidentId", x => x.IncidentId, "Incidents", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_IncidentMessages_IncidentId_SentAt", table: "IncidentMessages", columns: ["IncidentId", "SentAt"]);

        b.CreateTable(
            name: "IncidentLinks",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: false),
                OtherId = table.Column<string>(name: "OtherId", nullable: false),
                Note = table.Column<string>(name: "Note", nullable: true),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
                CreatedBy = table.Column<string>(name: "CreatedBy", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_IncidentLinks", x => x.Id);
                table.ForeignKey("FK_IncidentLinks_Incidents_IncidentId", x => x.IncidentId, "Incidents", "Id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_IncidentLinks_Incidents_OtherId", x => x.OtherId, "Incidents", "Id", onDelete: ReferentialAction.Cascade);
            });
        b.CreateIndex(name: "IX_IncidentLinks_IncidentId_OtherId", table: "IncidentLinks", columns: ["IncidentId", "OtherId"], unique: true);
        b.CreateIndex(name: "IX_IncidentLinks_OtherId", table: "IncidentLinks", column: "OtherId");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        foreach (var table in new[] { "IncidentLinks", "IncidentMessages", "IncidentTasks", "IncidentRoles" })
            b.DropTable(name: table);
        b.DropColumn(name: "SubjectId", table: "Notifications");
        b.DropColumn(name: "MergedIntoId", table: "Incidents");
        b.DropColumn(name: "Category", table: "Incidents");
    }
}
