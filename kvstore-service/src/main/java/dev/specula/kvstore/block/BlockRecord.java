package dev.specula.kvstore.block;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The self-describing byte form of a block outside memory: a header followed by the payload. The disk tier writes it
 * as one file, the Redis tier as one value. The header names the full key (tenant and all 32 hash bytes), so a
 * record found under the wrong name (a tenant-directory hash collision, a file copied by hand, a Redis key reused)
 * is refused instead of served (RELIABILITY.md #12, #15); the version lets a later layout be told apart from this
 * one instead of being misread (#13).
 *
 * <pre>
 * offset   size  field                  (big-endian)
 *   0       4    magic                  0x534B5642 "SKVB"
 *   4       2    format version         1
 *   6       2    header length H        bytes before the payload, this table included
 *   8       4    payload length
 *  12       4    token count
 *  16       4    payload CRC32C         as the writer sent it; checked on every read
 *  20      32    key hash               SHA-256 chain hash
 *  52       1    codec length c
 *  53       c    codec                  US-ASCII, e.g. "fp16"
 *  53+c     2    tenant length t
 *  55+c     t    tenant                 UTF-8
 *  55+c+t   4    header CRC32C          over bytes [0, 55+c+t): a flipped token count or codec is caught too
 * </pre>
 * H = 59 + c + t, at most {@value #MAX_HEADER_BYTES}.
 */
public final class BlockRecord {

    public static final int MAGIC = 0x534B5642;
    public static final int VERSION = 1;
    /** Upper bound of H: a 255-byte codec and a 128-character tenant (at most 512 UTF-8 bytes) fit well below it. */
    public static final int MAX_HEADER_BYTES = 1024;
    /** Bytes needed to learn H: magic, version and the header length. */
    public static final int PREFIX_BYTES = 8;

    private static final int FIXED_BYTES = 59;

    private BlockRecord() {
    }

    /** What a header says, before the payload is read. */
    public record Header(BlockKey key, String codec, int tokenCount, int crc32c, int headerBytes, int payloadBytes) {

        public long recordBytes() {
            return (long) headerBytes + payloadBytes;
        }
    }

    /** Bytes the header of this block takes; the record is this plus the payload. */
    public static int headerBytes(Block block) {
        return FIXED_BYTES + ascii(block.codec()).length + utf8(block.key().tenant()).length;
    }

    /** The header of {@code block}, ready to write in front of its payload. */
    public static ByteBuffer header(Block block) {
        byte[] codec = ascii(block.codec());
        byte[] tenant = utf8(block.key().tenant());
        if (codec.length > 255) {
            throw new IllegalArgumentException("codec name longer than 255 bytes");
        }
        int length = FIXED_BYTES + codec.length + tenant.length;
        ByteBuffer out = ByteBuffer.allocate(length);
        out.putInt(MAGIC).putShort((short) VERSION).putShort((short) length)
                .putInt(block.size()).putInt(block.tokenCount()).putInt(block.crc32c())
                .put(block.key().hash())
                .put((byte) codec.length).put(codec)
                .putShort((short) tenant.length).put(tenant);
        out.putInt(Checksums.crc32c(ByteBuffer.wrap(out.array(), 0, length - 4)));
        return out.flip();
    }

    /** Header and payload in one array: the Redis value. */
    public static byte[] encode(Block block) {
        ByteBuffer header = header(block);
        byte[] out = new byte[header.remaining() + block.size()];
        header.get(out, 0, header.remaining());
        block.payload().get(out, out.length - block.size(), block.size());
        return out;
    }

    /**
     * The header length announced by the first {@value #PREFIX_BYTES} bytes, checked for magic and version.
     *
     * @throws CorruptRecordException if these bytes are not the start of a record of this version
     */
    public static int headerLength(ByteBuffer prefix) throws CorruptRecordException {
        ByteBuffer in = prefix.duplicate();
        if (in.remaining() < PREFIX_BYTES) {
            throw new CorruptRecordException("record of " + in.remaining() + " bytes is shorter than its header");
        }
        int magic = in.getInt();
        if (magic != MAGIC) {
            throw new CorruptRecordException(String.format("bad magic 0x%08X", magic));
        }
        int version = in.getShort() & 0xFFFF;
        if (version != VERSION) {
            throw new CorruptRecordException("record format version " + version + ", expected " + VERSION);
        }
        int length = in.getShort() & 0xFFFF;
        if (length < FIXED_BYTES || length > MAX_HEADER_BYTES) {
            throw new CorruptRecordException("header length " + length + " out of range");
        }
        return length;
    }

    /**
     * Parses and checks a whole header (its first {@link #headerLength} bytes must be present).
     *
     * @throws CorruptRecordException on any inconsistency, including a header checksum mismatch
     */
    public static Header readHeader(ByteBuffer bytes) throws CorruptRecordException {
        ByteBuffer in = bytes.duplicate();
        int start = in.position();
        int length = headerLength(in);
        if (in.remaining() < length) {
            throw new CorruptRecordException("header of " + length + " bytes is truncated to " + in.remaining());
        }
        int expectedCrc = in.getInt(start + length - 4);
        int actualCrc = Checksums.crc32c(in.duplicate().limit(start + length - 4));
        if (expectedCrc != actualCrc) {
            throw new CorruptRecordException("header checksum mismatch");
        }
        in.position(start + PREFIX_BYTES);
        int payloadBytes = in.getInt();
        int tokenCount = in.getInt();
        int crc32c = in.getInt();
        byte[] hash = new byte[BlockKey.HASH_BYTES];
        in.get(hash);
        int codecLength = in.get() & 0xFF;
        if (FIXED_BYTES + codecLength > length) {
            throw new CorruptRecordException("codec length " + codecLength + " overruns the header");
        }
        byte[] codec = new byte[codecLength];
        in.get(codec);
        int tenantLength = in.getShort() & 0xFFFF;
        if (FIXED_BYTES + codecLength + tenantLength != length) {
            throw new CorruptRecordException("tenant length " + tenantLength + " disagrees with the header length");
        }
        byte[] tenant = new byte[tenantLength];
        in.get(tenant);
        if (payloadBytes <= 0 || tokenCount <= 0) {
            throw new CorruptRecordException("payload length " + payloadBytes + " or token count " + tokenCount
                    + " not positive");
        }
        try {
            BlockKey key = BlockKey.of(new Tenant(new String(tenant, StandardCharsets.UTF_8)), hash);
            return new Header(key, new String(codec, StandardCharsets.US_ASCII), tokenCount, crc32c, length,
                    payloadBytes);
        } catch (RuntimeException invalidTenant) {
            throw new CorruptRecordException("invalid tenant in header: " + invalidTenant.getMessage());
        }
    }

    /**
     * The block a whole record holds, verified: header checksum, full key, exact length and payload checksum. The
     * payload is a view of {@code record}, not a copy.
     *
     * @param expected the key the record was looked up under; any other key in the header is corruption
     */
    public static Block decode(ByteBuffer record, BlockKey expected) throws CorruptRecordException {
        Header header = readHeader(record);
        if (!header.key().equals(expected)) {
            throw new CorruptRecordException("record holds key " + header.key() + ", looked up as " + expected);
        }
        if (record.remaining() != header.recordBytes()) {
            throw new CorruptRecordException("record is " + record.remaining() + " bytes, header says "
                    + header.recordBytes());
        }
        ByteBuffer payload = record.duplicate().position(record.position() + header.headerBytes()).slice();
        Block block = new Block(header.key(), header.codec(), header.tokenCount(), header.crc32c(), payload);
        if (!block.intact()) {
            throw new CorruptRecordException("payload checksum mismatch");
        }
        return block;
    }

    private static byte[] ascii(String codec) {
        byte[] bytes = codec.getBytes(StandardCharsets.US_ASCII);
        if (!Arrays.equals(bytes, codec.getBytes(StandardCharsets.UTF_8))) {
            throw new IllegalArgumentException("codec name must be ASCII: " + codec);
        }
        return bytes;
    }

    private static byte[] utf8(Tenant tenant) {
        return tenant.name().getBytes(StandardCharsets.UTF_8);
    }
}
