package dev.specula.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rules the sources must keep, checked on the text of every module's main sources: the internal plane speaks
 * protobuf only (no Java serialization anywhere: RELIABILITY.md, "internal plane"), and {@code core} and
 * {@code runtime} stay free of Spring and of the I/O frameworks, so that they run on a device.
 */
class ArchitectureTest {
    private static final Pattern JAVA_SERIALIZATION = Pattern.compile(
            "\\b(Serializable|ObjectInputStream|ObjectOutputStream|Externalizable|readObject|writeObject)\\b");
    private static final Pattern FRAMEWORK_IMPORT = Pattern.compile(
            "^import\\s+(static\\s+)?(org\\.springframework|io\\.grpc|io\\.netty|jakarta\\.servlet)\\.", Pattern.MULTILINE);

    @Test
    void noModuleUsesJavaSerialization() {
        assertThat(offenders(mainSources(repoRoot()), JAVA_SERIALIZATION)).isEmpty();
    }

    @Test
    void coreAndRuntimeDependOnNoServiceFramework() {
        Path root = repoRoot();
        List<Path> deviceSources = Stream.of("core", "runtime", "edge")
                .flatMap(module -> javaFiles(root.resolve(module).resolve("src/main/java"))).toList();
        assertThat(deviceSources).hasSizeGreaterThan(50);
        assertThat(offenders(deviceSources.stream().filter(p -> !p.toString().contains("/edge/")).toList(), FRAMEWORK_IMPORT))
                .isEmpty();
        // The edge client talks gRPC (it has to) but never Spring.
        assertThat(offenders(deviceSources.stream().filter(p -> p.toString().contains("/edge/")).toList(),
                Pattern.compile("^import\\s+org\\.springframework\\.", Pattern.MULTILINE))).isEmpty();
    }

    @Test
    void theRulesCatchWhatTheyBan() {
        assertThat(JAVA_SERIALIZATION.matcher("final class Block implements java.io.Serializable {").find()).isTrue();
        assertThat(FRAMEWORK_IMPORT.matcher("package a;\nimport org.springframework.stereotype.Service;\n").find()).isTrue();
        assertThat(FRAMEWORK_IMPORT.matcher("// see io.grpc.Status for the codes\n").find()).isFalse();
    }

    private static List<String> offenders(List<Path> files, Pattern banned) {
        return files.stream().filter(file -> banned.matcher(read(file)).find()).map(Path::toString).toList();
    }

    private static List<Path> mainSources(Path root) {
        try (Stream<Path> modules = Files.list(root)) {
            List<Path> files = modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory)
                    .flatMap(ArchitectureTest::javaFiles).toList();
            assertThat(files).hasSizeGreaterThan(200);
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<Path> javaFiles(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("core")) && Files.isRegularFile(dir.resolve("pom.xml"))
                    && Files.isDirectory(dir.resolve("models"))) {
                return dir;
            }
        }
        throw new IllegalStateException("repository root not found");
    }
}
