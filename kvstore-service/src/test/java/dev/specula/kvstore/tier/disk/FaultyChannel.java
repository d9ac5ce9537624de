package dev.specula.kvstore.tier.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real file channel that fails like a full or broken disk: writes go through until {@code budget} bytes have been
 * written (across every channel sharing the budget), then the write stores what still fits and throws
 * {@code IOException("No space left on device")}. With {@code failForce}, the final fsync fails instead (an EIO
 * reported late, as Linux does on writeback errors).
 */
public final class FaultyChannel extends FileChannel {

    private final FileChannel delegate;
    private final AtomicLong budget;
    private final boolean failForce;

    FaultyChannel(FileChannel delegate, AtomicLong budget, boolean failForce) {
        this.delegate = delegate;
        this.budget = budget;
        this.failForce = failForce;
    }

    /** An opener whose channels share one byte budget. */
    public static ChannelOpener failingAfter(AtomicLong budget) {
        return path -> new FaultyChannel(ChannelOpener.DEFAULT.openNew(path), budget, false);
    }

    /** An opener whose writes succeed and whose fsync fails. */
    public static ChannelOpener failingFsync() {
        return path -> new FaultyChannel(ChannelOpener.DEFAULT.openNew(path), new AtomicLong(Long.MAX_VALUE), true);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        long allowed = budget.get();
        if (src.remaining() <= allowed) {
            int written = delegate.write(src);
            budget.addAndGet(-written);
            return written;
        }
        ByteBuffer part = src.duplicate().limit(src.position() + (int) Math.max(0, allowed));
        int written = delegate.write(part);
        src.position(src.position() + written);
        budget.set(0);
        throw new IOException("No space left on device");
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            while (sources[i].hasRemaining()) {
                total += write(sources[i]);
            }
        }
        return total;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (failForce) {
            throw new IOException("Input/output error");
        }
        delegate.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        delegate.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new IOException("not used by the disk tier");
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        throw new IOException("not used by the disk tier");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new IOException("not used by the disk tier");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
