using FraudEx.LoadGen;
using FraudEx.Scoring.Grpc;

namespace FraudEx.Scoring.Tests;

/// <summary>The floor server (FraudEx.LoadGen floor-server) authenticates as the scorer does.</summary>
public sealed class FloorServerTests
{
    [Fact]
    public void Roles_AreTheScorersMethodRoleTable()
    {
        Assert.Equal(
            ScoringRoles.Methods.OrderBy(m => m.Key, StringComparer.Ordinal),
            FloorServer.Roles.OrderBy(m => m.Key, StringComparer.Ordinal));
    }
}
