package dev.specula.models.trainer;

import ai.djl.ndarray.NDArray;

/** What a training step minimises, given the student's logits [B,T,V] for one batch. */
interface Objective {
    /** Called before autograd is switched on, e.g. to run a frozen teacher. */
    default void prepare(NDArray ids, NDArray positions) {
    }

    NDArray loss(NDArray logits, NDArray ids, NDArray labels);

    /** Cross-entropy in nats per token, averaged over the batch. */
    static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.mul(labels.oneHot(ModelConfig.VOCAB)).sum(new int[]{-1});
        return picked.mean().neg();
    }
}
