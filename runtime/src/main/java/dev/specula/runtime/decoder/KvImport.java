package dev.specula.runtime.decoder;

import java.nio.ByteBuffer;

/**
 * Imported KV written straight into an empty session's cache, one (slot, head) run at a time, then committed.
 * A restore that arrives block by block lays each block where the cache will read it, so the restored prefix is
 * copied once (wire → cache) instead of into a staging block first and into the cache on import.
 *
 * <p>The rows go to the cache's spare buffers, which the session does not read: until {@link #commit} the session
 * stays empty, and an import that is never committed (a failed fetch) leaves it exactly as it was.
 */
public final class KvImport {
    private final DecoderSession session;
    private final KvCache kv;
    private final int capacity;
    private final ByteBuffer[] target;
    private boolean done;

    KvImport(DecoderSession session, KvCache kv, int capacity) {
        this.session = session;
        this.kv = kv;
        this.capacity = capacity;
        this.target = kv.beginRewrite(capacity);
    }

    /** Tokens this import can hold. */
    public int capacity() {
        return capacity;
    }

    /**
     * Copies {@code tokens} rows of one head of one slot (slot 2l = keys of layer l, 2l+1 = values), laid out
     * [tokens][headDim] at {@code source[from...]}, to token positions [{@code at}, at + tokens).
     */
    public void put(int slot, int head, int at, ByteBuffer source, int from, int tokens) {
        if (done) {
            throw new IllegalStateException("the import is already committed");
        }
        if (slot < 0 || slot >= kv.slots() || head < 0 || head >= kv.kvHeads() || at < 0 || tokens < 0
                || at + tokens > capacity) {
            throw new IllegalArgumentException("run (slot " + slot + ", head " + head + ", tokens [" + at + ", "
                    + (at + tokens) + ")) is outside an import of " + kv.slots() + " slots, " + kv.kvHeads()
                    + " heads and " + capacity + " tokens");
        }
        int rowBytes = kv.rowBytes();
        target[slot].put((head * capacity + at) * rowBytes, source, from, tokens * rowBytes);
    }

    /**
     * Makes tokens [0, {@code tokens}) the session's cache (0 commits nothing). Rows of tokens not covered by
     * {@link #put} calls are whatever the buffer held: the caller commits only what it wrote.
     */
    public void commit(int tokens) {
        if (done) {
            throw new IllegalStateException("the import is already committed");
        }
        if (tokens < 0 || tokens > capacity) {
            throw new IllegalArgumentException("cannot commit " + tokens + " tokens of an import of " + capacity);
        }
        done = true;
        session.ensureEmpty();
        if (tokens > 0) {
            kv.endRewrite(capacity);
            kv.truncate(tokens);
        }
    }
}
