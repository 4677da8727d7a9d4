using System.Text.RegularExpressions;
using FraudEx.Features.Engine;

namespace FraudEx.Features.Engine.Tests;

public sealed partial class FeatureSchemaTests
{
    [Fact]
    public void Features_AreIndexedInOrderWithUniqueNamesAndCodes()
    {
        Assert.Equal(FeatureSchema.Count, FeatureSchema.Features.Count);
        for (var i = 0; i < FeatureSchema.Count; i++)
        {
            Assert.Equal(i, FeatureSchema.Features[i].Index);
            Assert.Equal(i, FeatureSchema.IndexOf(FeatureSchema.Features[i].Name));
        }

        Assert.Equal(FeatureSchema.Count, FeatureSchema.Features.Select(f => f.Name).Distinct().Count());
        Assert.Equal(FeatureSchema.Count, FeatureSchema.Features.Select(f => f.ReasonCode).Distinct().Count());
    }

    [Fact]
    public void Features_HaveSnakeNamesUpperSnakeCodesAndSentences()
    {
        foreach (var f in FeatureSchema.Features)
        {
            Assert.Matches(SnakeCase(), f.Name);
            Assert.Matches(UpperSnakeCase(), f.ReasonCode);
            Assert.False(string.IsNullOrWhiteSpace(f.Description), f.Name);
            Assert.EndsWith(".", f.ReasonText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void IndexOf_UnknownName_ReturnsMinusOne()
    {
        Assert.Equal(-1, FeatureSchema.IndexOf("no_such_feature"));
    }

    [Fact]
    public void FeaturesDocument_ListsEveryFeatureInOrder()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "models", "FEATURES.md")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        Assert.NotNull(dir);
        var text = File.ReadAllText(Path.Combine(dir, "models", "FEATURES.md"));
        Assert.Contains($"`{FeatureSchema.Version}`", text, StringComparison.Ordinal);
        foreach (var f in FeatureSchema.Features)
        {
            Assert.Contains($"| {f.Index} | `{f.Name}` |", text, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex SnakeCase();

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex UpperSnakeCase();
}
