using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Muster.Data.Migrations;

/// <summary>A maintenance window may hold one device of a service rather than all of it; incidents count reports and devices.</summary>
[DbContext(typeof(MusterDb))]
[Migration("20261127000000_CountedImpact")]
public sealed class CountedImpact : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "DeviceId", table: "MaintenanceWindows", nullable: true);
        migrationBuilder.CreateIndex(name: "IX_MaintenanceWindows_DeviceId", table: "MaintenanceWindows", column: "DeviceId");
        migrationBuilder.AddColumn<int>(name: "Impact_ReportsReceived", table: "Incidents", nullable: true);
        migrationBuilder.AddColumn<int>(name: "Impact_DevicesAffected", table: "Incidents", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "Impact_DevicesAffected", table: "Incidents");
        migrationBuilder.DropColumn(name: "Impact_ReportsReceived", table: "Incidents");
        migrationBuilder.DropIndex(name: "IX_MaintenanceWindows_DeviceId", table: "MaintenanceWindows");
        migrationBuilder.DropColumn(name: "DeviceId", table: "MaintenanceWindows");
    }
}
