namespace FraudEx.ServiceDefaults;

/// <summary>The addresses FraudEx's processes use when nothing is configured (ARCHITECTURE.md).</summary>
public static class ServicePorts
{
    public const int Scoring = 5100;
    public const int Features = 5101;
    public const int Alerts = 5102;
    public const int Console = 5180;
    public const int Dashboard = 18888;
}
