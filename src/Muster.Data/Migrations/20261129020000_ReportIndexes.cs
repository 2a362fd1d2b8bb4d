using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Muster.Data.Migrations;

/// <summary>
/// The reports ask which incidents were ever reopened: an index on the timeline's kind answers
/// from the few reopen entries instead of probing every incident's timeline.
/// </summary>
[DbContext(typeof(MusterDb))]
[Migration("20261129020000_ReportIndexes")]
public sealed class ReportIndexes : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.CreateIndex(name: "IX_TimelineEntries_Kind_IncidentId", table: "TimelineEntries", columns: ["Kind", "IncidentId"]);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropIndex(name: "IX_TimelineEntries_Kind_IncidentId", table: "TimelineEntries");
}
