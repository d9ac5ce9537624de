package dev.specula.netem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DelayProxyMainTest {

    @Test
    void parsesAllOptions() {
        DelayProxyMain.Options options = DelayProxyMain.parse(new String[] {
                "--listen", "7000", "--target", "localhost:50051", "--delay-ms", "25", "--bytes-per-second", "1000000"});

        assertEquals(7000, options.listen().getPort());
        assertTrue(options.listen().getAddress().isLoopbackAddress(), "a bare port listens on loopback only");
        assertEquals("localhost", options.target().getHostString());
        assertEquals(50051, options.target().getPort());
        assertEquals(new LinkProfile(Duration.ofMillis(25), 1_000_000), options.profile());
    }

    @Test
    void bandwidthDefaultsToUnlimitedAndListenAcceptsAHost() {
        DelayProxyMain.Options options = DelayProxyMain.parse(new String[] {
                "--delay-ms", "0", "--target", "127.0.0.1:9", "--listen", "0.0.0.0:7001"});

        assertEquals("0.0.0.0", options.listen().getHostString());
        assertEquals(LinkProfile.NONE, options.profile());
    }

    @Test
    void rejectsBadCommandLines() {
        assertThrows(IllegalArgumentException.class,
                () -> DelayProxyMain.parse(new String[] {"--listen", "7000", "--target", "localhost:1"}));
        assertThrows(IllegalArgumentException.class,
                () -> DelayProxyMain.parse(new String[] {"--listen", "7000", "--target", "nohost", "--delay-ms", "1"}));
        assertThrows(IllegalArgumentException.class,
                () -> DelayProxyMain.parse(new String[] {"--listen", "x", "--target", "h:1", "--delay-ms", "1"}));
        assertThrows(IllegalArgumentException.class,
                () -> DelayProxyMain.parse(new String[] {"--listen", "1", "--target", "h:1", "--delay-ms", "-5"}));
        assertThrows(IllegalArgumentException.class,
                () -> DelayProxyMain.parse(new String[] {"--listen", "1", "--target", "h:1", "--delay-ms"}));
        assertThrows(IllegalArgumentException.class,
                () -> DelayProxyMain.parse(new String[] {"--listen", "70000", "--target", "h:1", "--delay-ms", "1"}));
    }
}
