package dev.specula.runtime.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A valid ONNX model that is not a decoder: {@code y = Identity(x)}, float [1]. Encoded by hand (protobuf wire
 * format) so the "graph with the wrong names" case needs no ONNX tooling.
 */
public final class IdentityOnnx {
    private IdentityOnnx() {
    }

    public static byte[] bytes() {
        byte[] tensorType = concat(varintField(1, 1), message(2, message(1, varintField(1, 1)))); // FLOAT, shape [1]
        byte[] type = message(1, tensorType);
        byte[] x = concat(string(1, "x"), message(2, type));
        byte[] y = concat(string(1, "y"), message(2, type));
        byte[] node = concat(string(1, "x"), string(2, "y"), string(4, "Identity"));
        byte[] graph = concat(message(1, node), string(2, "identity"), message(11, x), message(12, y));
        byte[] opset = concat(string(1, ""), varintField(2, 17));
        return concat(varintField(1, 8), message(8, opset), message(7, graph));
    }

    private static byte[] varintField(int field, long value) {
        return concat(varint(field << 3), varint(value));
    }

    private static byte[] string(int field, String value) {
        return message(field, value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] message(int field, byte[] body) {
        return concat(varint((field << 3) | 2), varint(body.length), body);
    }

    private static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
