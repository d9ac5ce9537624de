package dev.specula.runtime.decoder;

/**
 * ONNX Runtime failed while running a model that loaded fine (out of memory, a native error). The session's
 * KV cache is left as it was before the failed call.
 */
public class InferenceException extends RuntimeException {
    public InferenceException(String message, Throwable cause) {
        super(message + ": " + cause.getMessage(), cause);
    }
}
