using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Muster.Data.Migrations;

/// <summary>Devices, their types and people's reports (with photos apart). Written by hand, like every migration here.</summary>
[DbContext(typeof(MusterDb))]
[Migration("20261122020000_Devices")]
public sealed class Devices : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.CreateTable(
            name: "DeviceTypes",
            columns: table => new
            {
                Key = table.Column<string>(name: "Key", nullable: false),
                NameZh = table.Column<string>(name: "NameZh", nullable: false),
                NameEn = table.Column<string>(name: "NameEn", nullable: false),
                Symptoms = table.Column<string>(name: "Symptoms", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_DeviceTypes", x => x.Key));

        b.CreateTable(
            name: "Devices",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Code = table.Column<string>(name: "Code", nullable: false),
                Name = table.Column<string>(name: "Name", nullable: false),
                Type = table.Column<string>(name: "Type", nullable: false),
                ServiceId = table.Column<string>(name: "ServiceId", nullable: false),
                Site = table.Column<string>(name: "Site", nullable: true),
                Building = table.Column<string>(name: "Building", nullable: true),
                Floor = table.Column<string>(name: "Floor", nullable: true),
                Area = table.Column<string>(name: "Area", nullable: true),
                Status = table.Column<string>(name: "Status", nullable: false),
                ReportToken = table.Column<string>(name: "ReportToken", nullable: false),
                CreatedAt = table.Column<DateTime>(name: "CreatedAt", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Devices", x => x.Id);
                table.ForeignKey(
                    name: "FK_Devices_Services_ServiceId",
                    column: x => x.ServiceId,
                    principalTable: "Services",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Restrict);
            });

        b.CreateIndex(name: "IX_Devices_Code", table: "Devices", column: "Code", unique: true);
        b.CreateIndex(name: "IX_Devices_ReportToken", table: "Devices", column: "ReportToken", unique: true);
        b.CreateIndex(name: "IX_Devices_ServiceId", table: "Devices", column: "ServiceId");

        b.CreateTable(
            name: "Reports",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                DeviceId = table.Column<string>(name: "DeviceId", nullable: true),
                ServiceId = table.Column<string>(name: "ServiceId", nullable: false),
                Channel = table.Column<string>(name: "Channel", nullable: false),
                Symptom = table.Column<string>(name: "Symptom", nullable: false),
                Scope = table.Column<string>(name: "Scope", nullable: true),
                Caller = table.Column<string>(name: "Caller", nullable: true),
                Phone = table.Column<string>(name: "Phone", nullable: true),
                HasPhoto = table.Column<bool>(name: "HasPhoto", nullable: false),
                ClientAddress = table.Column<string>(name: "ClientAddress", nullable: true),
                ReceivedAt = table.Column<DateTime>(name: "ReceivedAt", nullable: false),
                IncidentId = table.Column<string>(name: "IncidentId", nullable: true),
                ContactPurgedAt = table.Column<DateTime>(name: "ContactPurgedAt", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Reports", x => x.Id);
                table.ForeignKey(
                    name: "FK_Reports_Devices_DeviceId",
                    column: x => x.DeviceId,
                    principalTable: "Devices",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.SetNull);
                table.ForeignKey(
                    name: "FK_Reports_Incidents_IncidentId",
                    column: x => x.IncidentId,
                    principalTable: "Incidents",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.SetNull);
                table.ForeignKey(
                    name: "FK_Reports_Services_ServiceId",
                    column: x => x.ServiceId,
                    principalTable: "Services",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        b.CreateIndex(name: "IX_Reports_ClientAddress_ReceivedAt", table: "Reports", columns: new[] { "ClientAddress", "ReceivedAt" });
        b.CreateIndex(name: "IX_Reports_DeviceId_ReceivedAt", table: "Reports", columns: new[] { "DeviceId", "ReceivedAt" });
        b.CreateIndex(name: "IX_Reports_IncidentId", table: "Reports", column: "IncidentId");
        b.CreateIndex(name: "IX_Reports_ReceivedAt", table: "Reports", column: "ReceivedAt");
        b.CreateIndex(name: "IX_Reports_ServiceId", table: "Reports", column: "ServiceId");

        b.CreateTable(
            name: "ReportPhotos",
            columns: table => new
            {
                ReportId = table.Column<string>(name: "ReportId", nullable: false),
                ContentType = table.Column<string>(name: "ContentType", nullable: false),
                Data = table.Column<byte[]>(name: "Data", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ReportPhotos", x => x.ReportId);
                table.ForeignKey(
                    name: "FK_ReportPhotos_Reports_ReportId",
                    column: x => x.ReportId,
                    principalTable: "Reports",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.DropTable(name: "ReportPhotos");
        b.DropTable(name: "Reports");
        b.DropTable(name: "Devices");
        b.DropTable(name: "DeviceTypes");
    }
}
