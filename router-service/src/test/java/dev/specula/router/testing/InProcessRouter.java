package dev.specula.router.testing;

import dev.specula.router.RouterApplication;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real router for tests: its gRPC server on a loopback port and under an in-process name (tests call it through
 * the in-process transport), quiet logs, and the test's own properties on top.
 */
public final class InProcessRouter {

    private InProcessRouter() {
    }

    /**
     * @param inProcessName the name tests connect to with {@code InProcessChannelBuilder.forName}
     * @param http          also serve the HTTP front door on a free loopback port ({@code local.server.port})
     * @param properties    {@code --key=value} arguments of the test
     */
    public static ConfigurableApplicationContext start(String inProcessName, boolean http, String... properties) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.config.name=" + RouterApplication.CONFIG_NAME,
                "--spring.grpc.server.address=127.0.0.1",
                "--spring.grpc.server.port=0",
                "--spring.grpc.server.inprocess.name=" + inProcessName,
                "--spring.main.banner-mode=off",
                "--spring.jmx.enabled=false",
                "--logging.level.root=WARN"));
        args.addAll(http ? List.of("--server.port=0", "--server.address=127.0.0.1")
                : List.of("--spring.main.web-application-type=none"));
        args.addAll(List.of(properties));
        return new SpringApplicationBuilder(RouterApplication.class).logStartupInfo(false)
                .run(args.toArray(String[]::new));
    }
}
