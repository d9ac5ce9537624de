package dev.specula.models.trainer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Java source text as byte tokens, split into train and held-out by a rule anyone can reproduce:
 * an entry is held out iff CRC32(UTF-8 bytes of its entry name) mod 50 == 0. Files are joined with
 * {@code <|endoftext|>} between them, in entry-name order, so the streams are deterministic.
 */
public final class Corpus {
    public static final int HOLDOUT_MODULUS = 50;

    public final String source;
    public final short[] train;
    public final short[] heldOut;
    public final int trainFiles;
    public final int heldOutFiles;
    /** Held-out files kept separately so that probes can take prompts from whole files. */
    public final List<short[]> heldOutDocs;

    private Corpus(String source, short[] train, short[] heldOut, int trainFiles, int heldOutFiles, List<short[]> heldOutDocs) {
        this.source = source;
        this.train = train;
        this.heldOut = heldOut;
        this.trainFiles = trainFiles;
        this.heldOutFiles = heldOutFiles;
        this.heldOutDocs = heldOutDocs;
    }

    public static boolean isHeldOut(String entryName) {
        CRC32 crc = new CRC32();
        crc.update(entryName.getBytes(StandardCharsets.UTF_8));
        return crc.getValue() % HOLDOUT_MODULUS == 0;
    }

    /** Loads every {@code .java} entry of a zip file or directory tree (entry name = path relative to the root, '/'-separated). */
    public static Corpus load(Path path) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.walk(path)) {
                for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                    String name = path.relativize(p).toString().replace('\\', '/');
                    if (name.endsWith(".java")) files.put(name, Files.readAllBytes(p));
                }
            }
        } else {
            try (ZipFile zip = new ZipFile(path.toFile())) {
                for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                    if (e.isDirectory() || !e.getName().endsWith(".java")) continue;
                    try (InputStream in = zip.getInputStream(e)) {
                        files.put(e.getName(), in.readAllBytes());
                    }
                }
            }
        }
        List<short[]> trainDocs = new ArrayList<>();
        List<short[]> heldDocs = new ArrayList<>();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            byte[] text = stripLeadingLicense(f.getValue());
            if (text.length == 0) continue;
            (isHeldOut(f.getKey()) ? heldDocs : trainDocs).add(toTokens(text));
        }
        return new Corpus(path.toString(), join(trainDocs), join(heldDocs), trainDocs.size(), heldDocs.size(), heldDocs);
    }

    /** Drops a block comment at the very start of the file (the licence header) and the blank lines after it. */
    static byte[] stripLeadingLicense(byte[] src) {
        String s = new String(src, StandardCharsets.UTF_8);
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        if (s.startsWith("/*", i)) {
            int end = s.indexOf("*/", i + 2);
            if (end >= 0) {
                i = end + 2;
                while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
                s = s.substring(i);
            }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static short[] toTokens(byte[] text) {
        short[] t = new short[text.length];
        for (int i = 0; i < text.length; i++) t[i] = (short) (text[i] & 0xFF);
        return t;
    }

    private static short[] join(List<short[]> docs) {
        long n = 0;
        for (short[] d : docs) n += d.length + 1;
        if (n > Integer.MAX_VALUE) throw new IllegalStateException("corpus too large");
        short[] out = new short[(int) n];
        int p = 0;
        for (short[] d : docs) {
            out[p++] = (short) ByteTokenizerFiles.EOT;
            System.arraycopy(d, 0, out, p, d.length);
            p += d.length;
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format("corpus %s: %d train files (%d tokens), %d held-out files (%d tokens)",
                source, trainFiles, train.length, heldOutFiles, heldOut.length);
    }
}
