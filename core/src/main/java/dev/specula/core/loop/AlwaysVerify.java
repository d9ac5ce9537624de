package dev.specula.core.loop;

/** The lossless switching policy: every drafted token goes to the verifier. */
public final class AlwaysVerify implements SwitchingPolicy {

    public static final AlwaysVerify INSTANCE = new AlwaysVerify();

    private AlwaysVerify() {
    }

    @Override
    public int unverifiedPrefix(Draft draft) {
        return 0;
    }
}
