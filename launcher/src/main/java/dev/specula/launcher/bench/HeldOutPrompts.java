package dev.specula.launcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Code prompts the bundled models never trained on: Java files of the JDK's {@code lib/src.zip} that the
 * model card's split rule holds out (CRC32 of the entry name mod 50 == 0). Each prompt is a window of whole
 * lines from the middle of a file, so the continuation is ordinary code rather than a file header.
 */
public final class HeldOutPrompts {
    private static final int HOLD_OUT_MODULUS = 50;

    private HeldOutPrompts() {
    }

    /**
     * @param count       prompts wanted
     * @param promptChars approximate prompt length in characters (bytes, for the byte-level tokenizer)
     */
    public static List<String> load(int count, int promptChars) {
        Path zip = findSourceZip();
        try (ZipFile sources = new ZipFile(zip.toFile())) {
            List<? extends ZipEntry> heldOut = sources.stream()
                    .filter(e -> e.getName().endsWith(".java") && isHeldOut(e.getName()))
                    .sorted(Comparator.comparing(ZipEntry::getName))
                    .toList();
            List<String> prompts = new ArrayList<>();
            int stride = Math.max(1, heldOut.size() / (count * 2));
            for (int i = 0; i < heldOut.size() && prompts.size() < count; i += stride) {
                String text = new String(sources.getInputStream(heldOut.get(i)).readAllBytes(), StandardCharsets.UTF_8);
                String window = middleWindow(text, promptChars);
                if (window != null) {
                    prompts.add(window);
                }
            }
            if (prompts.size() < count) {
                throw new IllegalStateException("only " + prompts.size() + " held-out prompts in " + zip);
            }
            return prompts;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + zip, e);
        }
    }

    static boolean isHeldOut(String entryName) {
        CRC32 crc = new CRC32();
        crc.update(entryName.getBytes(StandardCharsets.UTF_8));
        return crc.getValue() % HOLD_OUT_MODULUS == 0;
    }

    /** Whole lines starting near 40% of the file, about {@code chars} long; null if the file is too short or not ASCII. */
    private static String middleWindow(String text, int chars) {
        if (text.length() < chars * 3 || !text.chars().allMatch(c -> c < 128)) {
            return null;
        }
        int start = text.indexOf('\n', (int) (text.length() * 0.4)) + 1;
        int end = text.lastIndexOf('\n', start + chars);
        if (start <= 0 || end <= start + chars / 2) {
            return null;
        }
        return text.substring(start, end + 1);
    }

    private static Path findSourceZip() {
        List<Path> candidates = new ArrayList<>();
        candidates.add(Path.of(System.getProperty("java.home"), "lib", "src.zip"));
        try (DirectoryStream<Path> jdks = Files.newDirectoryStream(Path.of("/usr/lib/jvm"))) {
            jdks.forEach(jdk -> candidates.add(jdk.resolve("lib/src.zip")));
        } catch (IOException ignored) {
            // no system JDK folder
        }
        candidates.sort(Comparator.comparing((Path p) -> !p.toString().contains("temurin")));
        return candidates.stream().filter(Files::isRegularFile).findFirst().orElseThrow(() ->
                new IllegalStateException("no JDK src.zip found (looked in java.home and /usr/lib/jvm): "
                        + "held-out prompts come from it"));
    }
}
