package dev.specula.runtime.decoder;

/**
 * How ONNX Runtime executes one model. Graph optimisation is always {@code ALL_OPT} (fusions matter most for
 * small models whose cost is dominated by per-op overhead).
 *
 * @param intraOpThreads threads inside one operator (matmuls); {@value #AUTO_THREADS} = chosen per model at load
 *                       ({@link #threadsFor}): one for a small model, else the available processors
 * @param interOpThreads threads across independent operators; 1 (decoders are a chain of ops)
 * @param cuda           add the CUDA execution provider. Works only when the {@code onnxruntime_gpu} jar
 *                       replaces {@code onnxruntime} on the classpath and a GPU is present; otherwise the
 *                       model runs on CPU and {@link DecoderModel#executionProvider()} says so. Untested here
 *                       (no GPU on the development machines).
 * @param cudaDevice     CUDA device ordinal
 */
public record ExecutionSettings(int intraOpThreads, int interOpThreads, boolean cuda, int cudaDevice) {
    /** {@link #intraOpThreads} value that lets the model's size decide. */
    public static final int AUTO_THREADS = 0;
    /**
     * Below this many bytes of model file, auto means one thread. A small model's matrices (the bundled drafter's are
     * 160 wide) take microseconds, less than handing half of them to a second thread and waiting for it: the bundled
     * drafter's step took 0.105 ms on one thread and 0.125 ms on two, and the mesh's speculative tokens/s rose 6–13%
     * in alternating runs. The bundled verifier (44 MB) gains from every core.
     */
    public static final long SMALL_MODEL_BYTES = 16L << 20;

    public ExecutionSettings {
        if (intraOpThreads < AUTO_THREADS || interOpThreads < 1) {
            throw new IllegalArgumentException("intra-op threads must be >= 0 (0 = auto) and inter-op threads >= 1, "
                    + "got intra " + intraOpThreads + ", inter " + interOpThreads);
        }
        if (cudaDevice < 0) {
            throw new IllegalArgumentException("cuda device must be >= 0, got " + cudaDevice);
        }
    }

    /** CPU, threads by model size ({@link #AUTO_THREADS}). */
    public static ExecutionSettings defaults() {
        return new ExecutionSettings(AUTO_THREADS, 1, false, 0);
    }

    /** The intra-op threads for a model file of {@code modelBytes}: the configured count, or the auto choice. */
    public int threadsFor(long modelBytes) {
        if (intraOpThreads != AUTO_THREADS) {
            return intraOpThreads;
        }
        return modelBytes < SMALL_MODEL_BYTES ? 1 : Runtime.getRuntime().availableProcessors();
    }

    /**
     * Settings as services configure them.
     *
     * @param intraOpThreads 0 = auto (one thread for a model file under 16 MiB, else all available processors)
     * @param cudaDevice     -1 = CPU; else the CUDA device, which needs {@code com.microsoft.onnxruntime:onnxruntime_gpu}
     *                       on the classpath in place of {@code onnxruntime} (loading fails with a clear error otherwise)
     */
    public static ExecutionSettings configured(int intraOpThreads, int cudaDevice) {
        if (intraOpThreads < 0 || cudaDevice < -1) {
            throw new IllegalArgumentException("intra-op threads must be >= 0 and cuda device >= -1, got "
                    + intraOpThreads + " and " + cudaDevice);
        }
        ExecutionSettings settings = defaults().withIntraOpThreads(intraOpThreads);
        return cudaDevice < 0 ? settings : settings.withCuda(cudaDevice);
    }

    public ExecutionSettings withIntraOpThreads(int threads) {
        return new ExecutionSettings(threads, interOpThreads, cuda, cudaDevice);
    }

    public ExecutionSettings withCuda(int device) {
        return new ExecutionSettings(intraOpThreads, interOpThreads, true, device);
    }
}
