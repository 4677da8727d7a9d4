using FraudEx.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace FraudEx.EndToEnd.Tests;

/// <summary>Files the Python and Node clients read: the contracts as a FileDescriptorSet, and the transactions.</summary>
internal static class PolyglotFiles
{
    /// <summary>Writes scoring.proto and features.proto with their dependencies, dependencies first.</summary>
    public static string WriteDescriptorSet(string directory)
    {
        var set = new FileDescriptorSet();
        var seen = new HashSet<string>();
        void Add(FileDescriptor file)
        {
            if (!seen.Add(file.Name))
            {
                return;
            }

            foreach (var dependency in file.Dependencies)
            {
                Add(dependency);
            }

            set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
        }

        Add(ScoringReflection.Descriptor);
        Add(FeaturesReflection.Descriptor);
        var path = Path.Combine(directory, "fraudex.pb");
        File.WriteAllBytes(path, set.ToByteArray());
        return path;
    }

    /// <summary>Writes transactions as one ComputeFeaturesRequest message.</summary>
    public static string WriteTransactions(string directory, string name, IEnumerable<Transaction> transactions)
    {
        var batch = new ComputeFeaturesRequest();
        batch.Transactions.Add(transactions);
        var path = Path.Combine(directory, name + ".pb");
        File.WriteAllBytes(path, batch.ToByteArray());
        return path;
    }
}
