package dev.specula.kvstore.block;

/**
 * A stored record that cannot be trusted: bad magic, unknown version, header or payload checksum mismatch, wrong
 * length, or a key other than the one asked for. Tiers turn it into a miss and delete the record; it never reaches a
 * client. Checked, so that no tier can forget to handle it.
 */
public final class CorruptRecordException extends Exception {

    public CorruptRecordException(String reason) {
        super(reason, null, false, false); // an expected outcome on damaged media: no stack trace to fill
    }
}
