package dev.specula.core.sampling;

/**
 * Hands out token ids in descending weight (ties: ascending id) without sorting the whole vocabulary: a binary
 * max-heap is built in O(n) and each {@link #next()} costs O(log n). Top-k with a small k and top-p with a peaked
 * distribution therefore touch only the head of a 150k vocabulary; asking for everything is a heap sort.
 */
final class TokenRanking {
    private final double[] weights;
    private final int[] heap;
    private int size;

    /**
     * @param weights    [vocab] weight of each token id (row-relative)
     * @param candidates the ids to rank in {@code candidates[0..count)}; this array becomes the heap (it is
     *                   overwritten)
     */
    TokenRanking(double[] weights, int[] candidates, int count) {
        this.weights = weights;
        this.heap = candidates;
        this.size = count;
        for (int i = count / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
    }

    boolean hasNext() {
        return size > 0;
    }

    /** The best remaining token id. */
    int next() {
        int top = heap[0];
        heap[0] = heap[--size];
        siftDown(0);
        return top;
    }

    private void siftDown(int i) {
        int item = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && ranksBefore(heap[child + 1], heap[child])) {
                child++;
            }
            if (!ranksBefore(heap[child], item)) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = item;
    }

    /** The total order of the output: higher weight first, then the lower id (keeps results deterministic). */
    private boolean ranksBefore(int a, int b) {
        double wa = weights[a];
        double wb = weights[b];
        return wa > wb || (wa == wb && a < b);
    }
}
