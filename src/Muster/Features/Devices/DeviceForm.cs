namespace Muster.Features.Devices;

public sealed class DeviceForm
{
    public string? Code { get; set; }
    public string? Name { get; set; }
    public string? Type { get; set; }
    public string? ServiceId { get; set; }
    public string? Site { get; set; }
    public string? Building { get; set; }
    public string? Floor { get; set; }
    public string? Area { get; set; }
    public string? Status { get; set; }

    public DeviceRequest ToRequest() => new(Code, Name, Type, ServiceId, Site, Building, Floor, Area, Status);

    public static DeviceForm From(DeviceView d) => new()
    {
        Code = d.Code,
        Name = d.Name,
        Type = d.Type,
        ServiceId = d.ServiceId,
        Site = d.Site,
        Building = d.Building,
        Floor = d.Floor,
        Area = d.Area,
        Status = d.Status,
    };
}
