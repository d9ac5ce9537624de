package dev.specula.drafter.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.verify.Verdict;
import dev.specula.service.error.StatusMapping;
import dev.specula.service.error.VerifierLostException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A verifier lost mid-request reaches the router as UNAVAILABLE with the trailer naming the verifier, so the
 * router resumes on another verifier instead of avoiding this (healthy) drafter; refusals pass through as they are.
 */
class VerifierLossReportingTest {

    @ParameterizedTest
    @EnumSource(value = Status.Code.class, names = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "CANCELLED"})
    void aLostVerifierIsReportedAsSuchWithItsTrailer(Status.Code code) {
        Throwable thrown = catchThrowable(() -> VerifierLossReporting.of(failing(code))
                .verify(new int[0], Draft.EMPTY));

        assertThat(thrown).isInstanceOf(VerifierLostException.class);
        StatusRuntimeException onTheWire = StatusMapping.toRuntimeException(thrown);
        assertThat(onTheWire.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(onTheWire.getStatus().getDescription()).contains(code.name());
        assertThat(onTheWire.getTrailers().get(VerifierLostException.FAILED_BACKEND_KEY))
                .isEqualTo(VerifierLostException.VERIFIER);
    }

    @ParameterizedTest
    @EnumSource(value = Status.Code.class, names = {"INVALID_ARGUMENT", "FAILED_PRECONDITION", "PERMISSION_DENIED"})
    void aRefusalOfTheRequestPassesThroughUnchanged(Status.Code code) {
        Throwable thrown = catchThrowable(() -> VerifierLossReporting.of(failing(code))
                .verify(new int[0], Draft.EMPTY));

        assertThat(thrown).isInstanceOf(StatusRuntimeException.class).isNotInstanceOf(VerifierLostException.class);
        assertThat(((StatusRuntimeException) thrown).getStatus().getCode()).isEqualTo(code);
        assertThat(StatusMapping.toRuntimeException(thrown).getTrailers()).isNull();
    }

    private static VerifierChannel failing(Status.Code code) {
        return new VerifierChannel() {
            @Override
            public Verdict verify(int[] uncheckedContext, Draft draft) {
                throw Status.fromCode(code).withDescription("verifier says " + code).asRuntimeException();
            }

            @Override
            public void close() {
            }
        };
    }
}
