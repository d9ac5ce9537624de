package dev.specula.service.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PKI made with the {@code openssl} CLI at test time (P-256 keys, PEM files in a temporary folder):
 * the mesh's CA, a peer certificate it signed (names {@code localhost} and {@link #SERVICE_NAME} but no address,
 * usable as server and as client, like the cert-manager certificate the chart requests, which names Services and
 * not pod IPs), and a client certificate signed by another CA that the mesh must not trust. A client dialing
 * 127.0.0.1 therefore checks the server against {@link #SERVICE_NAME}, as mesh clients dialing pods do. Nothing is downloaded; keys are PKCS#8, as Spring's PEM bundles and Netty read.
 *
 * @param ca          the mesh CA's certificate (the trust anchor of every bundle)
 * @param peerCert    certificate signed by {@link #ca}, for servers and clients alike
 * @param peerKey     its private key
 * @param strangerCert a client certificate signed by another CA
 * @param strangerKey its private key
 */
public record TestCertificates(Path ca, Path peerCert, Path peerKey, Path strangerCert, Path strangerKey) {
    /** The Service-like name in the peer certificate, for {@code overrideAuthority}. */
    public static final String SERVICE_NAME = "specula-mesh";

    public static TestCertificates create() {
        try {
            Path dir = Files.createTempDirectory("specula-mtls");
            dir.toFile().deleteOnExit();
            Path ext = dir.resolve("peer.ext");
            Files.writeString(ext, String.join("\n",
                    "basicConstraints=CA:FALSE",
                    "keyUsage=digitalSignature",
                    "extendedKeyUsage=serverAuth,clientAuth",
                    "subjectAltName=DNS:localhost,DNS:" + SERVICE_NAME, ""), StandardCharsets.US_ASCII);
            selfSignedCa(dir, "ca", "specula-test-ca");
            selfSignedCa(dir, "other-ca", "someone-elses-ca");
            signed(dir, "peer", "ca", ext);
            signed(dir, "stranger", "other-ca", ext);
            for (String name : List.of("ca", "other-ca", "peer", "stranger")) {
                for (String suffix : List.of(".crt", ".key", ".csr")) {
                    dir.resolve(name + suffix).toFile().deleteOnExit();
                }
            }
            ext.toFile().deleteOnExit();
            return new TestCertificates(dir.resolve("ca.crt"), dir.resolve("peer.crt"), dir.resolve("peer.key"),
                    dir.resolve("stranger.crt"), dir.resolve("stranger.key"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Spring Boot properties of a PEM SSL bundle named {@code bundle} holding the peer certificate and trusting the
     * CA: the same {@code spring.ssl.bundle.pem.<bundle>.*} keys the Helm chart sets from the mounted Secret.
     */
    public Map<String, String> pemBundle(String bundle) {
        String prefix = "spring.ssl.bundle.pem." + bundle + ".";
        return Map.of(prefix + "keystore.certificate", peerCert.toUri().toString(),
                prefix + "keystore.private-key", peerKey.toUri().toString(),
                prefix + "truststore.certificate", ca.toUri().toString());
    }

    private static void selfSignedCa(Path dir, String name, String subject) throws IOException {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + ".key", "-out", name + ".crt", "-days", "2", "-subj", "/CN=" + subject,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
    }

    private static void signed(Path dir, String name, String ca, Path ext) throws IOException {
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", ext.toString());
        dir.resolve(ca + ".srl").toFile().deleteOnExit();
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running openssl", e);
        }
    }
}
