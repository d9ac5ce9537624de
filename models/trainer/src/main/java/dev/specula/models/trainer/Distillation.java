package dev.specula.models.trainer;

import ai.djl.ndarray.NDArray;

/**
 * Distillation objective for the drafter: alpha * KL(teacher || student) + (1 - alpha) * CE(labels).
 * Matching the verifier's whole distribution (not just the data) is what makes the drafter's argmax agree
 * with the verifier's, i.e. what raises greedy acceptance.
 */
final class Distillation implements Objective {
    private final GptModel teacher;
    private final float alpha;
    private NDArray teacherLogp;
    float lastKl;
    float lastCe;

    Distillation(GptModel teacher, float alpha) {
        this.teacher = teacher;
        this.alpha = alpha;
    }

    @Override
    public void prepare(NDArray ids, NDArray positions) {
        teacherLogp = teacher.forward(ids, positions).logSoftmax(-1).stopGradient();
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
