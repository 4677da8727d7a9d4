namespace FraudEx.Features;

/// <summary>Kinds of entities whose state the store keeps.</summary>
public enum EntityKind
{
    Account = 1,
    Merchant = 2,
    Device = 3,
    Ip = 4,
}
