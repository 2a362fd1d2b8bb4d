using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Muster.Data.Migrations;

/// <summary>A plan version keeps the YAML it was written in, so that export and diff show a person's own text.</summary>
[DbContext(typeof(MusterDb))]
[Migration("20261128000000_PlanSource")]
public sealed class PlanSource : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<string>(name: "Source", table: "PlanVersions", nullable: true);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropColumn(name: "Source", table: "PlanVersions");
}
