package dev.specula.models.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * Distillation objective for the drafter: alpha * KL(teacher || student) + (1 - alpha) * CE(labels).
 * Matching the verifier's whole distribution (not just the data) is what makes the drafter's argmax agree
 * with the verifier's, i.e. what raises greedy acceptance.
 */
final class Distillation implements Objective, AutoCloseable {
    private final float alpha;
    private final NDManager manager;
    private final ModelConfig teacherConfig;
    private final Path teacherCheckpoint;
    private final long reloadNanos;
    private GptModel teacher;
    private FileTime teacherVersion;
    private long lastCheck = System.nanoTime();
    private NDArray teacherLogp;
    float lastKl;
    float lastCe;
    int teacherReloads;

    /**
     * reloadMinutes > 0 lets the drafter be distilled while the verifier is still training: the teacher is
     * re-read whenever its checkpoint file changes, so the final stretch of distillation sees the final verifier.
     */
    Distillation(NDManager manager, ModelConfig teacherConfig, Path teacherCheckpoint, float alpha, double reloadMinutes) throws IOException {
        this.manager = manager;
        this.teacherConfig = teacherConfig;
        this.teacherCheckpoint = teacherCheckpoint;
        this.alpha = alpha;
        this.reloadNanos = (long) (reloadMinutes * 6e10);
        load();
    }

    private void load() throws IOException {
        FileTime version = Files.getLastModifiedTime(teacherCheckpoint);
        GptModel next = GptModel.load(teacherConfig, manager, teacherCheckpoint);
        if (teacher != null) teacher.close();
        teacher = next;
        teacherVersion = version;
        teacherReloads++;
        System.out.println("teacher loaded from " + teacherCheckpoint + " (" + version + ")");
    }

    @Override
    public void prepare(NDArray ids, NDArray positions) {
        long now = System.nanoTime();
        if (reloadNanos > 0 && now - lastCheck > reloadNanos) {
            lastCheck = now;
            try {
                if (!Files.getLastModifiedTime(teacherCheckpoint).equals(teacherVersion)) load();
            } catch (IOException e) {
                System.out.println("teacher reload failed, keeping the current one: " + e);
            }
        }
        teacherLogp = teacher.forward(ids, positions).logSoftmax(-1).stopGradient();
    }

    @Override
    public void close() {
        if (teacher != null) teacher.close();
    }

    @Override
    public NDArray loss(NDArray logits, NDArray ids, NDArray labels) {
        NDArray logq = logits.logSoftmax(-1);
        NDArray p = teacherLogp.exp();
        NDArray kl = p.mul(teacherLogp.sub(logq)).sum(new int[]{-1}).mean();
        NDArray ce = logq.mul(labels.oneHot(ModelConfig.VOCAB)).sum(new int[]{-1}).mean().neg();
        lastKl = kl.getFloat();
        lastCe = ce.getFloat();
        return kl.mul(alpha).add(ce.mul(1 - alpha));
    }
}
