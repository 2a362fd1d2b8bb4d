using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Muster.Data.Migrations;

/// <summary>Customer messages really sent: a message's own address (a reporter's phone), the 退订 list, an announcement's status update, and a reporter's email.</summary>
[DbContext(typeof(MusterDb))]
[Migration("20261129010000_CustomerMessages")]
public sealed class CustomerMessages : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.AddColumn<string>(name: "Address", table: "Notifications", nullable: true);
        b.AddColumn<string>(name: "StatusUpdateId", table: "IncidentMessages", nullable: true);
        b.AddColumn<string>(name: "Email", table: "Reports", nullable: true);
        b.CreateIndex(name: "IX_IncidentMessages_StatusUpdateId", table: "IncidentMessages", column: "StatusUpdateId");

        b.CreateTable(
            name: "SmsOptOuts",
            columns: table => new
            {
                Id = table.Column<string>(name: "Id", nullable: false),
                Phone = table.Column<string>(name: "Phone", nullable: false),
                At = table.Column<DateTime>(name: "At", nullable: false),
                Reason = table.Column<string>(name: "Reason", nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_SmsOptOuts", x => x.Id));
        b.CreateIndex(name: "IX_SmsOptOuts_Phone", table: "SmsOptOuts", column: "Phone", unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var b = migrationBuilder;
        b.DropTable(name: "SmsOptOuts");
        b.DropIndex(name: "IX_IncidentMessages_StatusUpdateId", table: "IncidentMessages");
        b.DropColumn(name: "StatusUpdateId", table: "IncidentMessages");
        b.DropColumn(name: "Address", table: "Notifications");
        b.DropColumn(name: "Email", table: "Reports");
    }
}
