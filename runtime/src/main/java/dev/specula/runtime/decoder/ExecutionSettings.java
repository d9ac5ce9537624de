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

    public ExecutionSettings withIntraOpThreads(int threads) {
        return new ExecutionSettings(threads, interOpThreads, cuda, cudaDevice);
    }

    public ExecutionSettings withCuda(int device) {
        return new ExecutionSettings(intraOpThreads, interOpThreads, true, device);
    }
}
