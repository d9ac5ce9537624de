package dev.specula.verifier.grpc;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.TargetGenerateRequest;
import java.util.stream.IntStream;

/** {@code Verifier/Generate} requests as the tests send them; builders, so a test can add a tenant or a policy. */
final class TargetRequests {
    private TargetRequests() {
    }

    static TargetGenerateRequest.Builder of(int[] prompt, SamplingParams params, int maxNewTokens,
                                            boolean ignoreEos) {
        TargetGenerateRequest.Builder request = TargetGenerateRequest.newBuilder()
                .setSampling(ProtoMapping.sampling(params)).setMaxNewTokens(maxNewTokens).setIgnoreEos(ignoreEos);
        IntStream.of(prompt).forEach(request::addPromptTokenIds);
        return request;
    }

    /** Greedy, {@code maxNewTokens} tokens whatever the model says about end of sequence. */
    static TargetGenerateRequest.Builder greedy(int[] prompt, int maxNewTokens) {
        return of(prompt, SamplingParams.GREEDY, maxNewTokens, true);
    }
}
