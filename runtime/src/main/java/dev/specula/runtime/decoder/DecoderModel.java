package dev.specula.runtime.decoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.specula.runtime.model.GenerationConfig;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.model.ModelLoadException;
import dev.specula.runtime.model.TokenizerFile;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One loaded decoder: an ONNX Runtime session over {@code model.onnx} plus the folder's configuration.
 * Thread-safe and shared by all sequences of the model; each sequence gets its own {@link DecoderSession}.
 * Loading checks everything up front (files, fields, graph names, KV geometry against config.json), so a
 * model that loads can run.
 */
public final class DecoderModel implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DecoderModel.class.getName());

    private final ModelFolder folder;
    private final ModelConfig config;
    private final GenerationConfig generationConfig;
    private final TokenizerFile tokenizerFile;
    private final GraphSignature signature;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String executionProvider;
    /** max_position_embeddings ones: the attention mask of every unpadded step is a prefix of it. */
    private final LongBuffer ones;
    private final OnnxTensor useCacheTrue;
    private final OnnxTensor useCacheFalse;

    private DecoderModel(ModelFolder folder, ModelConfig config, GenerationConfig generationConfig,
                         TokenizerFile tokenizerFile, GraphSignature signature, OrtEnvironment env, OrtSession session,
                         String executionProvider)
            throws OrtException {
        this.folder = folder;
        this.config = config;
        this.generationConfig = generationConfig;
        this.tokenizerFile = tokenizerFile;
        this.signature = signature;
        this.env = env;
        this.session = session;
        this.executionProvider = executionProvider;
        this.ones = ByteBuffer.allocateDirect(config.maxPositionEmbeddings() * Long.BYTES)
                .order(ByteOrder.nativeOrder()).asLongBuffer();
        for (int i = 0; i < config.maxPositionEmbeddings(); i++) {
            ones.put(i, 1L);
        }
        this.useCacheTrue = signature.hasUseCacheBranch() ? OnnxTensor.createTensor(env, new boolean[] {true}) : null;
        this.useCacheFalse = signature.hasUseCacheBranch() ? OnnxTensor.createTensor(env, new boolean[] {false}) : null;
    }

    public static DecoderModel load(Path folder) {
        return load(ModelFolder.open(folder), ExecutionSettings.defaults());
    }

    public static DecoderModel load(Path folder, ExecutionSettings settings) {
        return load(ModelFolder.open(folder), settings);
    }

    /**
     * Bytes of the graph and any external-data files beside it (a large export keeps its weights in
     * {@code model.onnx_data} or similar): what {@link ExecutionSettings#threadsFor} sizes the model by.
     */
    static long weightBytes(ModelFolder folder) {
        Path graph = folder.file(ModelFolder.MODEL);
        try (Stream<Path> files = Files.list(graph.getParent())) {
            long total = 0;
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.startsWith(ModelFolder.MODEL) && Files.isRegularFile(file)) {
                    total += Files.size(file);
                }
            }
            return total;
        } catch (IOException e) {
            throw new ModelLoadException(folder.root(), "cannot read the size of " + graph + ": " + e.getMessage(), e);
        }
    }

    /** Loads and validates a model; every problem is a {@link ModelLoadException} naming what is wrong. */
    public static DecoderModel load(ModelFolder folder, ExecutionSettings settings) {
        ModelConfig config = folder.config();
        TokenizerFile tokenizerFile = folder.tokenizerFile();
        GenerationConfig generation = GenerationConfig.read(folder, config, tokenizerFile);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(settings.threadsFor(weightBytes(folder)));
            options.setInterOpNumThreads(settings.interOpThreads());
            // Drafter and verifier sessions often share a process and a few cores: a session's idle workers must
            // sleep, not spin, or they steal the cores the other model is running on.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            String provider = "CPU";
            if (settings.cuda()) {
                if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                    options.addCUDA(settings.cudaDevice());
                    provider = "CUDA:" + settings.cudaDevice();
                } else {
                    LOG.log(Level.WARNING, "CUDA requested for {0} but this ONNX Runtime build has no CUDA provider "
                            + "(put onnxruntime_gpu on the classpath); running on CPU", folder);
                }
            }
            try {
                session = env.createSession(folder.file(ModelFolder.MODEL).toString(), options);
            } catch (OrtException e) {
                throw new ModelLoadException(folder.root(), ModelFolder.MODEL + " cannot be loaded by ONNX Runtime: "
                        + e.getMessage(), e);
            }
            GraphSignature signature = GraphSignature.discover(session, config, folder);
            return new DecoderModel(folder, config, generation, tokenizerFile, signature, env, session, provider);
        } catch (OrtException e) {
            closeQuietly(session);
            throw new ModelLoadException(folder.root(), "ONNX Runtime error while inspecting the graph: "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    /** A new, empty sequence (KV length 0). */
    public DecoderSession newSession() {
        return new DecoderSession(this, maxPositions());
    }

    /**
     * A new, empty sequence expected to hold at most about {@code expectedTokens} tokens: its cache grows no
     * further than that in one step (a longer sequence still fits; it just grows again), so a session whose length
     * is known up front never allocates, and zeroes, room for twice what it will use.
     */
    public DecoderSession newSession(int expectedTokens) {
        if (expectedTokens < 1) {
            throw new IllegalArgumentException("expected tokens must be >= 1, got " + expectedTokens);
        }
        return new DecoderSession(this, Math.min(expectedTokens, maxPositions()));
    }

    public ModelFolder folder() {
        return folder;
    }

    public ModelConfig config() {
        return config;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    /** The folder's tokenizer.json as data (hash, special tokens), for vocabulary checks between models. */
    public TokenizerFile tokenizerFile() {
        return tokenizerFile;
    }

    public GraphSignature signature() {
        return signature;
    }

    public int vocabSize() {
        return signature.vocabSize();
    }

    /** The longest sequence (KV length) a session may reach. */
    public int maxPositions() {
        return config.maxPositionEmbeddings();
    }

    /** "CPU" or "CUDA:&lt;device&gt;". */
    public String executionProvider() {
        return executionProvider;
    }

    @Override
    public void close() {
        KvCache.closeAll(new OnnxTensor[] {useCacheTrue, useCacheFalse});
        closeQuietly(session);
    }

    @Override
    public String toString() {
        return "DecoderModel[" + folder + ", " + signature + "]";
    }

    OrtEnvironment env() {
        return env;
    }

    /** Runs the graph; pinned outputs are written in place and not owned by the returned result. */
    void run(Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> pinnedOutputs) throws OrtException {
        session.run(inputs, pinnedOutputs).close();
    }

    /** A view of {@code count} ones, for an unpadded attention mask. */
    LongBuffer ones(int count) {
        return ones.slice(0, count);
    }

    /** The {@code use_cache_branch} input of legacy merged graphs: false only when the past is empty. */
    OnnxTensor useCacheBranch(boolean hasPast) {
        return hasPast ? useCacheTrue : useCacheFalse;
    }

    /** Token ids must index the embedding table; checked here so a bad id never reaches native code. */
    void checkTokens(int[] tokens, int from, int to) {
        int vocab = signature.vocabSize();
        for (int i = from; i < to; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("token id " + tokens[i] + " at index " + (i - from)
                        + " is outside the vocabulary [0, " + vocab + ") of " + folder);
            }
        }
    }

    private static void closeQuietly(OrtSession session) {
        if (session != null) {
            try {
                session.close();
            } catch (OrtException e) {
                LOG.log(Level.WARNING, "closing ONNX Runtime session failed", e);
            }
        }
    }
}
