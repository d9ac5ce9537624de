package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.GraphSignature;
import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.model.ModelFolder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a KV block's bytes depend on besides its tokens, hashed into one value that is part of every
 * block key (RELIABILITY.md #13: a writer/reader skew must be a miss, never a reinterpretation): the weights and
 * their revision, the tokenizer, the KV dtype and geometry, the block size, the block layout version and the hash
 * algorithm.
 *
 * <p>The weights are identified by the SHA-256 of {@code model.onnx} and its external-data files when they
 * total at most {@link #MAX_HASHED_BYTES} (seconds of hashing at startup at most). Bigger exports are identified
 * by config.json's bytes, the graph signature, the files' names and sizes, and a SHA-256 of
 * {@link #SAMPLED_PAGES} pages of {@link #PAGE_BYTES} spread evenly over each file, first and last page included
 * (4 MiB read per file, whatever its size): two checkpoints of one architecture differ in nearly every weight, so
 * they differ in the sampled pages too. The content alone counts, never paths or modification times, so copies
 * of one export share their blocks.
 *
 * <p>An export may also name its revision in a {@value #REVISION_FILE} file (e.g. the Hugging Face commit it was
 * exported from); its trimmed text is part of the fingerprint in both modes. Use it when a new revision may
 * change only a few small tensors, which sampling can miss.
 *
 * @param value       the SHA-256
 * @param weightsMode "weights-sha256" or "config+signature+sampled", with "+revision" when the file exists; for logs
 */
public record ModelFingerprint(Hash256 value, String weightsMode) {
    static final long MAX_HASHED_BYTES = 1L << 30;
    /** An optional file in the model folder naming the weights' revision. */
    public static final String REVISION_FILE = "specula-revision";
    static final int PAGE_BYTES = 4096;
    static final int SAMPLED_PAGES = 1024;
    private static final String VERSION = "specula-kv-fingerprint/1";

    public static ModelFingerprint of(DecoderModel model, int blockTokens) {
        return of(model, blockTokens, MAX_HASHED_BYTES);
    }

    static ModelFingerprint of(DecoderModel model, int blockTokens, long maxHashedBytes) {
        return of(model.folder(), model.signature(), model.tokenizerFile().sha256(), blockTokens, maxHashedBytes);
    }

    static ModelFingerprint of(ModelFolder folder, GraphSignature signature, String tokenizerSha256, int blockTokens,
                               long maxHashedBytes) {
        return of(folder, signature, tokenizerSha256, blockTokens, maxHashedBytes, KvBlockLayout.VERSION);
    }

    /** As served, but with {@code layoutVersion} for the block layout: lets a test stand in for the next layout. */
    static ModelFingerprint of(ModelFolder folder, GraphSignature signature, String tokenizerSha256, int blockTokens,
                               long maxHashedBytes, int layoutVersion) {
        MessageDigest sha = Sha256.newDigest();
        CanonicalWriter out = new CanonicalWriter(sha);
        out.string(VERSION);
        List<Path> weights = weightFiles(folder);
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
            mode = "config+signature+sampled";
            out.string(mode);
            out.bytes(readAll(folder.file(ModelFolder.CONFIG)));
            out.string(signature.toString());
            for (Path file : weights) {
                out.string(file.getFileName().toString());
                out.longValue(size(file));
                out.bytes(sampledSha256(file));
            }
        }
        Path revision = folder.root().resolve(REVISION_FILE);
        if (Files.isRegularFile(revision)) {
            mode += "+revision";
            out.string("revision");
            out.string(new String(readAll(revision), StandardCharsets.UTF_8).trim());
        }
        out.string(tokenizerSha256);
        out.string(signature.kvType().name());
        out.intValue(signature.layers());
        out.intValue(signature.kvHeads());
        out.intValue(signature.headDim());
        out.intValue(blockTokens);
        out.intValue(layoutVersion);
        out.string(Sha256.ALGORITHM);
        return new ModelFingerprint(Hash256.of(sha.digest()), mode);
    }

    /** SHA-256 of {@link #SAMPLED_PAGES} pages spread evenly over the file (the whole file when it is smaller). */
    static byte[] sampledSha256(Path file) {
        MessageDigest sha = Sha256.newDigest();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer page = ByteBuffer.allocate(PAGE_BYTES);
            long lastStart = Math.max(0, size - PAGE_BYTES);
            boolean whole = size <= (long) PAGE_BYTES * SAMPLED_PAGES;
            int pages = whole ? (int) ((size + PAGE_BYTES - 1) / PAGE_BYTES) : SAMPLED_PAGES;
            for (int i = 0; i < pages; i++) {
                long start = whole ? (long) i * PAGE_BYTES
                        : i == pages - 1 ? lastStart : lastStart / (pages - 1) * i;
                page.clear();
                while (page.hasRemaining()) {
                    if (channel.read(page, start + page.position()) < 0) {
                        break;
                    }
                }
                page.flip();
                sha.update(page);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sample " + file, e);
        }
        return sha.digest();
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
