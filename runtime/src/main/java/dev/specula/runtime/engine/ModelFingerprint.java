package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.GraphSignature;
import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.model.ModelFolder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a KV block's bytes depend on besides its tokens, hashed into one value that is part of every
 * block key (RELIABILITY.md #13: a writer/reader skew must be a miss, never a reinterpretation): the weights,
 * the tokenizer, the KV dtype and geometry, the block size, the block layout version and the hash algorithm.
 *
 * <p>The weights are identified by the SHA-256 of {@code model.onnx} and its external-data files when they
 * total at most {@link #MAX_HASHED_BYTES} (seconds of hashing at startup at most); bigger exports are identified
 * by config.json's bytes, the graph signature and the files' names and sizes — a re-export with other weights
 * but identical sizes would then need a new folder name or config to be told apart.
 *
 * @param value       the SHA-256
 * @param weightsMode "weights-sha256" or "config+signature", for logs
 */
public record ModelFingerprint(Hash256 value, String weightsMode) {
    static final long MAX_HASHED_BYTES = 1L << 30;
    private static final String VERSION = "specula-kv-fingerprint/1";

    public static ModelFingerprint of(DecoderModel model, int blockTokens) {
        return of(model, blockTokens, MAX_HASHED_BYTES);
    }

    static ModelFingerprint of(DecoderModel model, int blockTokens, long maxHashedBytes) {
        MessageDigest sha = Sha256.newDigest();
        CanonicalWriter out = new CanonicalWriter(sha);
        out.string(VERSION);
        List<Path> weights = weightFiles(model.folder());
        long total = 0;
        for (Path file : weights) {
            total += size(file);
        }
        String mode;
        if (total <= maxHashedBytes) {
            mode = "weights-sha256";
            out.string(mode);
            for (Path file : weights) {
                out.string(file.getFileName().toString());
                out.bytes(sha256Of(file));
            }
        } else {
            mode = "config+signature";
            out.string(mode);
            out.bytes(readAll(model.folder().file(ModelFolder.CONFIG)));
            out.string(model.signature().toString());
            for (Path file : weights) {
                out.string(file.getFileName().toString());
                out.longValue(size(file));
            }
        }
        GraphSignature signature = model.signature();
        out.string(model.tokenizerFile().sha256());
        out.string(signature.kvType().name());
        out.intValue(signature.layers());
        out.intValue(signature.kvHeads());
        out.intValue(signature.headDim());
        out.intValue(blockTokens);
        out.intValue(KvBlockLayout.VERSION);
        out.string(Sha256.ALGORITHM);
        return new ModelFingerprint(Hash256.of(sha.digest()), mode);
    }

    /** model.onnx and its external data (model.onnx_data, model.onnx.data, ...), in name order. */
    private static List<Path> weightFiles(ModelFolder folder) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder.root(), ModelFolder.MODEL + "*")) {
            entries.forEach(path -> {
                if (Files.isRegularFile(path)) {
                    files.add(path);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder.root(), e);
        }
        files.sort(null);
        return files;
    }

    private static byte[] sha256Of(Path file) {
        MessageDigest sha = Sha256.newDigest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash " + file, e);
        }
        return sha.digest();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + file, e);
        }
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
