using System.IO.Compression;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Net.Compression;
using Microsoft.Extensions.Options;

namespace FraudEx.ServiceDefaults.Rpc;

/// <summary>
/// Wraps every configured compression provider (Grpc.AspNetCore's gzip and deflate by default) so a compressed
/// request message that does not decompress is answered INTERNAL, as gRPC's status code table
/// (grpc/grpc doc/statuscodes.md) prescribes for "Could not decompress, but compression algorithm supported
/// (Client -> Server)". Left alone, the decoder's <see cref="InvalidDataException"/> would become UNKNOWN. Runs after
/// Grpc.AspNetCore's setup has added its default providers.
/// </summary>
internal sealed class DecompressionErrorsSetup : IPostConfigureOptions<GrpcServiceOptions>
{
    public void PostConfigure(string? name, GrpcServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var providers = options.CompressionProviders;
        for (var i = 0; i < providers.Count; i++)
        {
            if (providers[i] is not Provider)
            {
                providers[i] = new Provider(providers[i]);
            }
        }
    }

    private sealed class Provider(ICompressionProvider inner) : ICompressionProvider
    {
        public string EncodingName => inner.EncodingName;

        public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
            inner.CreateCompressionStream(stream, compressionLevel);

        public Stream CreateDecompressionStream(Stream stream) =>
            new DecompressingStream(inner.CreateDecompressionStream(stream), inner.EncodingName);
    }

    /// <summary>Reads through the provider's stream; a decoder failure becomes INTERNAL naming the encoding.</summary>
    private sealed class DecompressingStream(Stream inner, string encoding) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (InvalidDataException e)
            {
                throw Undecompressable(e);
            }
        }

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw Undecompressable(e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                throw Undecompressable(e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private RpcException Undecompressable(InvalidDataException e) =>
            new(new Status(StatusCode.Internal, $"request message could not be decompressed with grpc-encoding '{encoding}': {e.Message}"));
    }
}
