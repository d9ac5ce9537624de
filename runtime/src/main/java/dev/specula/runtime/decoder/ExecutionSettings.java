package dev.specula.runtime.decoder;

/**
 * How ONNX Runtime executes one model. Graph optimisation is always {@code ALL_OPT} (fusions matter most for
 * small models whose cost is dominated by per-op overhead).
 *
 * @param intraOpThreads threads inside one operator (matmuls); default = available processors
 * @param interOpThreads threads across independent operators; 1 (decoders are a chain of ops)
 * @param cuda           add the CUDA execution provider. Works only when the {@code onnxruntime_gpu} jar
 *                       replaces {@code onnxruntime} on the classpath and a GPU is present; otherwise the
 *                       model runs on CPU and {@link DecoderModel#executionProvider()} says so. Untested here
 *                       (no GPU on the development machines).
 * @param cudaDevice     CUDA device ordinal
 */
public record ExecutionSettings(int intraOpThreads, int interOpThreads, boolean cuda, int cudaDevice) {

    public ExecutionSettings {
        if (intraOpThreads < 1 || interOpThreads < 1) {
            throw new IllegalArgumentException("thread counts must be >= 1, got intra " + intraOpThreads
                    + ", inter " + interOpThreads);
        }
        if (cudaDevice < 0) {
            throw new IllegalArgumentException("cuda device must be >= 0, got " + cudaDevice);
        }
    }

    public static ExecutionSettings defaults() {
        return new ExecutionSettings(Runtime.getRuntime().availableProcessors(), 1, false, 0);
    }

    /**
     * Settings as services configure them.
     *
     * @param intraOpThreads 0 = all available processors
     * @param cudaDevice     -1 = CPU; else the CUDA device, which needs {@code com.microsoft.onnxruntime:onnxruntime_gpu}
     *                       on the classpath in place of {@code onnxruntime} (loading fails with a clear error otherwise)
     */
    public static ExecutionSettings configured(int intraOpThreads, int cudaDevice) {
        if (intraOpThreads < 0 || cudaDevice < -1) {
            throw new IllegalArgumentException("intra-op threads must be >= 0 and cuda device >= -1, got "
                    + intraOpThreads + " and " + cudaDevice);
        }
        ExecutionSettings settings = intraOpThreads == 0 ? defaults() : defaults().withIntraOpThreads(intraOpThreads);
        return cudaDevice < 0 ? settings : settings.withCuda(cudaDevice);
    }

    public ExecutionSettings withIntraOpThreads(int threads) {
        return new ExecutionSettings(threads, interOpThreads, cuda, cudaDevice);
    }

    public ExecutionSettings withCuda(int device) {
        return new ExecutionSettings(intraOpThreads, interOpThreads, true, device);
    }
}
