package dev.specula.core.sampling;

import java.util.Arrays;

/**
 * The order in which shaped distributions list their tokens: descending logit (which is descending
 * probability, since softmax is monotone), ties by ascending id. Each token becomes one {@code long} whose natural
 * order is that order, so ranking is a primitive {@code Arrays.sort} and top-k is a bounded heap of longs — no
 * boxing, no comparator, no full sort of a 150k vocabulary when k is small.
 *
 * <p>Masked tokens ({@code -Infinity}) are never ranked: they have probability 0. Callers reject NaN first.
 */
final class TokenOrder {

    private TokenOrder() {
    }

    /** High half: the logit's bits flipped so that a larger logit is a smaller key; low half: the id. */
    static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit + 0.0f); // + 0.0f turns -0.0 into 0.0: equal logits, equal keys
        int ascending = bits ^ ((bits >> 31) & 0x7FFFFFFF); // signed-int order of this equals float order
        return ((long) ~ascending << 32) | id;
    }

    static int id(long key) {
        return (int) key;
    }

    /** Every unmasked token of the row, best first. */
    static long[] all(float[] logits, int offset, int vocab) {
        long[] keys = new long[vocab];
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            float x = logits[offset + i];
            if (x != Float.NEGATIVE_INFINITY) {
                keys[n++] = key(x, i);
            }
        }
        Arrays.sort(keys, 0, n);
        return n == vocab ? keys : Arrays.copyOf(keys, n);
    }

    /**
     * The best {@code k} unmasked tokens of the row, best first. A max-heap of the k best keys seen so far has
     * the worst of them at the root, so most tokens cost one comparison: O(vocab + k log k) in practice.
     */
    static long[] best(float[] logits, int offset, int vocab, int k) {
        long[] heap = new long[k];
        int size = 0;
        for (int i = 0; i < vocab; i++) {
            float x = logits[offset + i];
            if (x == Float.NEGATIVE_INFINITY) {
                continue;
            }
            long key = key(x, i);
            if (size < k) {
                heap[size] = key;
                siftUp(heap, size++);
            } else if (key < heap[0]) {
                heap[0] = key;
                siftDown(heap, size);
            }
        }
        Arrays.sort(heap, 0, size);
        return size == k ? heap : Arrays.copyOf(heap, size);
    }

    private static void siftUp(long[] heap, int i) {
        long item = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] >= item) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = item;
    }

    private static void siftDown(long[] heap, int size) {
        long item = heap[0];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= item) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = item;
    }
}
