package dev.specula.models.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hand-written AdamW with global-norm gradient clipping over a named parameter map.
 *
 * <p>Must run with autograd off (after the GradientCollector is closed): it updates leaf tensors in place.
 * Every temporary is attached to a per-step sub-manager, because DJL attaches an op's result to the
 * manager of the array it was called on, and the moments/parameters live in long-lived managers.
 */
public final class AdamW implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> params;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private final float beta1;
    private final float beta2;
    private final float eps = 1e-8f;
    private final float weightDecay;
    private final float clipNorm;
    private int t;

    public AdamW(NDManager parent, Map<String, NDArray> params, float beta1, float beta2, float weightDecay, float clipNorm) {
        this.manager = parent.newSubManager();
        this.params = params;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            m.put(e.getKey(), manager.zeros(e.getValue().getShape()));
            v.put(e.getKey(), manager.zeros(e.getValue().getShape()));
        }
    }

    private static NDArray own(NDArray a, NDManager sub) {
        a.attach(sub);
        return a;
    }

    /** Applies one update and zeroes the gradients; returns the pre-clipping global gradient norm. */
    public float step(float lr) {
        t++;
        try (NDManager sub = manager.newSubManager()) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            double sq = 0;
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray g = own(e.getValue().getGradient(), sub);
                grads.put(e.getKey(), g);
                sq += g.square().sum().getFloat();
            }
            float norm = (float) Math.sqrt(sq);
            if (!Float.isFinite(norm)) {
                // One overflowing batch must not poison the weights (inf * 0 = NaN): drop it.
                for (NDArray g : grads.values()) g.subi(g);
                t--;
                return norm;
            }
            float coef = norm > clipNorm ? clipNorm / (norm + 1e-6f) : 1f;
            float bc1 = (float) (1 - Math.pow(beta1, t));
            float bc2 = (float) (1 - Math.pow(beta2, t));
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                String name = e.getKey();
                NDArray p = e.getValue();
                NDArray g = grads.get(name);
                NDArray mi = m.get(name);
                NDArray vi = v.get(name);
                NDArray gc = g.mul(coef);
                mi.muli(beta1).addi(gc.mul(1 - beta1));
                vi.muli(beta2).addi(gc.square().mul(1 - beta2));
                NDArray denom = own(vi.div(bc2), sub).sqrt().add(eps);
                NDArray update = own(mi.mul(lr / bc1), sub).div(denom);
                // Decoupled weight decay on matrices only (not LayerNorm gains/biases).
                if (p.getShape().dimension() >= 2 && weightDecay > 0) {
                    p.muli(1 - lr * weightDecay);
                }
                p.subi(update);
                g.subi(g);
            }
            return norm;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
