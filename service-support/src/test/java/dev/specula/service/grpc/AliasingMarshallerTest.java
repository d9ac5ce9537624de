package dev.specula.service.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.KvStoreGrpc;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AliasingMarshallerTest {
    private static final MethodDescriptor<GetBlocksRequest, KvBlock> METHOD =
            AliasingMarshaller.forResponses(KvStoreGrpc.getGetBlocksMethod(), KvBlock.getDefaultInstance());

    private static KvBlock block() {
        byte[] payload = new byte[100_000];
        new Random(3).nextBytes(payload);
        return KvBlock.newBuilder().setKey(ByteString.copyFrom(new byte[32])).setCodec("fp32")
                .setPayload(ByteString.copyFrom(payload)).setCrc32C(7).setTokenCount(16).build();
    }

    @Test
    void parsesWhatTheStandardMarshallerWritesFromKnownAndUnknownLengthStreams() throws Exception {
        KvBlock block = block();
        byte[] wire = METHOD.getResponseMarshaller().stream(block).readAllBytes();

        assertThat(METHOD.parseResponse(new KnownLengthStream(wire))).isEqualTo(block);
        assertThat(METHOD.parseResponse(new InputStream() {
            private final ByteArrayInputStream in = new ByteArrayInputStream(wire);

            @Override
            public int read() {
                return in.read();
            }
        })).isEqualTo(block);
        assertThat(METHOD.getFullMethodName()).isEqualTo(KvStoreGrpc.getGetBlocksMethod().getFullMethodName());
    }

    @Test
    void eachMessageGetsItsOwnBytesSoAnEarlierPayloadNeverChanges() throws Exception {
        KvBlock first = block();
        KvBlock second = first.toBuilder().setPayload(ByteString.copyFrom(new byte[100_000])).build();
        KvBlock parsedFirst = METHOD.parseResponse(new KnownLengthStream(
                METHOD.getResponseMarshaller().stream(first).readAllBytes()));
        METHOD.parseResponse(new KnownLengthStream(METHOD.getResponseMarshaller().stream(second).readAllBytes()));

        assertThat(parsedFirst.getPayload()).isEqualTo(first.getPayload());
    }

    @Test
    void aTruncatedMessageIsAnInternalError() throws Exception {
        byte[] wire = METHOD.getResponseMarshaller().stream(block()).readAllBytes();
        byte[] truncated = java.util.Arrays.copyOf(wire, wire.length - 10);
        assertThatThrownBy(() -> METHOD.parseResponse(new KnownLengthStream(truncated)))
                .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("INTERNAL");
    }

    /** Like gRPC's message streams: the length is known up front. */
    private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
        KnownLengthStream(byte[] bytes) {
            super(bytes);
        }
    }
}
