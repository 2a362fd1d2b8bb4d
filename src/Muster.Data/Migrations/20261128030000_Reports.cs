using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Muster.Data.Migrations;

/// <summary>A device type carries the failure rate wanted for it, which the reports set against the measured one.</summary>
[DbContext(typeof(MusterDb))]
[Migration("20261128030000_Reports")]
public sealed class Reports : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<double>(name: "FailureTarget", table: "DeviceTypes", nullable: true);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropColumn(name: "FailureTarget", table: "DeviceTypes");
}
