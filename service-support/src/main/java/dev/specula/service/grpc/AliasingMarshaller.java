package dev.specula.service.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;

/**
 * A protobuf marshaller whose parsed {@code bytes} fields are views of the received message instead of copies: the
 * message is read once into a fresh array (never reused) and parsed with aliasing. The default marshaller copies
 * every byte twice (into a reused buffer, then into each field), which for bulk payloads such as KV blocks costs
 * more than the transport does. Serialising is the default one.
 *
 * <p>A parsed message keeps its whole array alive for as long as any of its fields is referenced.
 */
public final class AliasingMarshaller<T extends MessageLite> implements MethodDescriptor.Marshaller<T> {
    private final MethodDescriptor.Marshaller<T> standard;
    private final Parser<T> parser;

    /** @param standard the generated marshaller, used to serialise */
    @SuppressWarnings("unchecked")
    private AliasingMarshaller(MethodDescriptor.Marshaller<T> standard, T defaultInstance) {
        this.standard = standard;
        this.parser = (Parser<T>) defaultInstance.getParserForType();
    }

    /** {@code method} with its responses parsed by an aliasing marshaller. */
    public static <Q, R extends MessageLite> MethodDescriptor<Q, R> forResponses(MethodDescriptor<Q, R> method,
                                                                               R defaultInstance) {
        return method.toBuilder(method.getRequestMarshaller(),
                new AliasingMarshaller<>(method.getResponseMarshaller(), defaultInstance)).build();
    }

    @Override
    public InputStream stream(T value) {
        return standard.stream(value);
    }

    @Override
    public T parse(InputStream stream) {
        try {
            byte[] bytes = readFully(stream);
            CodedInputStream input = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput(); // immutable: may alias
            input.enableAliasing(true);
            input.setSizeLimit(Integer.MAX_VALUE); // the transport already enforced the inbound message limit
            T message = parser.parseFrom(input);
            input.checkLastTagWas(0);
            return message;
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("invalid protobuf byte sequence").withCause(e).asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("cannot read the message").withCause(e).asRuntimeException();
        }
    }

    private static byte[] readFully(InputStream stream) throws IOException {
        if (stream instanceof KnownLength) {
            byte[] bytes = new byte[stream.available()];
            int read = stream.readNBytes(bytes, 0, bytes.length);
            if (read == bytes.length && stream.read() == -1) {
                return bytes;
            }
            throw new IOException("message shorter or longer than announced (" + read + " of " + bytes.length + ")");
        }
        return stream.readAllBytes();
    }
}
