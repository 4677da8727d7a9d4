namespace FraudEx.Training.Simulation;

/// <summary>A city: where accounts live, physical merchants stand and trips go.</summary>
public sealed record City(string Name, string Country, double Latitude, double Longitude, double Weight, bool Home);

/// <summary>A merchant category with its typical ticket size and how it is paid.</summary>
public sealed record MerchantCategory(
    string Mcc, string Name, double MedianAmount, double AmountSigma, double OnlineShare, double VisitWeight, bool Recurring);

/// <summary>The fixed world of the simulation: cities, categories, currencies. Data, not behaviour.</summary>
public static class Catalogue
{
    // Home = accounts live there. The others are places people travel to and fraud is often run from.
    public static readonly City[] Cities =
    [
        new("Berlin", "DE", 52.520, 13.405, 3.6, true),
        new("Hamburg", "DE", 53.551, 9.993, 1.8, true),
        new("Munich", "DE", 48.137, 11.575, 1.5, true),
        new("Cologne", "DE", 50.938, 6.960, 1.1, true),
        new("Frankfurt", "DE", 50.110, 8.682, 0.8, true),
        new("Paris", "FR", 48.857, 2.352, 3.0, true),
        new("Lyon", "FR", 45.764, 4.835, 0.9, true),
        new("Marseille", "FR", 43.296, 5.370, 0.9, true),
        new("Toulouse", "FR", 43.605, 1.444, 0.6, true),
        new("London", "GB", 51.507, -0.128, 4.0, true),
        new("Manchester", "GB", 53.480, -2.242, 1.0, true),
        new("Birmingham", "GB", 52.486, -1.890, 1.0, true),
        new("Madrid", "ES", 40.417, -3.704, 2.0, true),
        new("Barcelona", "ES", 41.385, 2.173, 1.6, true),
        new("Valencia", "ES", 39.470, -0.376, 0.6, true),
        new("Rome", "IT", 41.903, 12.496, 1.8, true),
        new("Milan", "IT", 45.464, 9.190, 1.4, true),
        new("Naples", "IT", 40.852, 14.268, 0.9, true),
        new("Amsterdam", "NL", 52.370, 4.895, 0.9, true),
        new("Rotterdam", "NL", 51.924, 4.478, 0.6, true),
        new("Warsaw", "PL", 52.230, 21.012, 1.2, true),
        new("Krakow", "PL", 50.065, 19.945, 0.6, true),
        new("New York", "US", 40.713, -74.006, 2.0, true),
        new("Chicago", "US", 41.878, -87.630, 0.9, true),
        new("Los Angeles", "US", 34.052, -118.244, 1.3, true),
        new("Miami", "US", 25.762, -80.192, 0.6, true),
        new("Bucharest", "RO", 44.427, 26.103, 0.4, false),
        new("Lagos", "NG", 6.524, 3.379, 0.2, false),
        new("Sao Paulo", "BR", -23.551, -46.633, 0.3, false),
        new("Bangkok", "TH", 13.756, 100.502, 0.5, false),
        new("Dubai", "AE", 25.205, 55.271, 0.5, false),
        new("Istanbul", "TR", 41.008, 28.978, 0.5, false),
        new("Kuala Lumpur", "MY", 3.139, 101.687, 0.3, false),
        new("Mexico City", "MX", 19.433, -99.133, 0.4, false),
    ];

    public static readonly MerchantCategory[] Categories =
    [
        new("5411", "grocery", 34, 0.7, 0.05, 25, false),
        new("5812", "restaurant", 28, 0.6, 0.10, 14, false),
        new("5814", "fast food", 11, 0.5, 0.10, 10, false),
        new("5541", "fuel", 55, 0.4, 0.00, 7, false),
        new("5912", "pharmacy", 22, 0.7, 0.05, 5, false),
        new("5310", "discount store", 30, 0.8, 0.20, 5, false),
        new("5651", "clothing", 60, 0.8, 0.40, 6, false),
        new("5999", "misc retail", 38, 0.9, 0.50, 6, false),
        new("5732", "electronics", 170, 1.0, 0.45, 2, false),
        new("5944", "jewellery", 240, 1.0, 0.20, 0.4, false),
        new("5947", "gift cards", 45, 0.7, 0.40, 0.8, false),
        new("4121", "taxi and rideshare", 18, 0.5, 0.70, 5, false),
        new("4511", "airline", 310, 0.7, 1.00, 0.6, false),
        new("7011", "hotel", 210, 0.6, 0.60, 0.8, false),
        new("5815", "digital media", 6, 0.9, 1.00, 4, false),
        new("5816", "digital games", 15, 0.9, 1.00, 1.5, false),
        new("8398", "charity", 25, 0.8, 1.00, 0.3, false),
        new("4829", "money transfer", 190, 1.0, 1.00, 0.3, false),
        new("6011", "atm cash", 120, 0.6, 0.00, 3, false),
        new("4899", "streaming subscription", 13, 0.3, 1.00, 0, true),
        new("4900", "utilities", 85, 0.5, 1.00, 0, true),
    ];

    public const string Currency = "EUR";

    public static int CategoryIndex(string mcc) => Array.FindIndex(Categories, c => c.Mcc == mcc);

    /// <summary>Great-circle distance in kilometres.</summary>
    public static double DistanceKm(double lat1, double lon1, double lat2, double lon2)
    {
        const double r = 6371.0;
        var dLat = (lat2 - lat1) * Math.PI / 180;
        var dLon = (lon2 - lon1) * Math.PI / 180;
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
              + Math.Cos(lat1 * Math.PI / 180) * Math.Cos(lat2 * Math.PI / 180) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * r * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
