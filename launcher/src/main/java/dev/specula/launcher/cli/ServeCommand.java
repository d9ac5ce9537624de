package dev.specula.launcher.cli;

import dev.specula.launcher.mesh.LocalMesh;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code specula serve}: runs the all-in-one mesh until stopped (Ctrl-C / SIGTERM drains and exits). */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the local mesh until stopped.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--grpc-port", defaultValue = "9090", description = "Router gRPC port; 0 = any free port.")
    int grpcPort;

    @Option(names = "--http-port", defaultValue = "8000", description = "Router HTTP port; 0 = any free port.")
    int httpPort;

    @Mixin
    ModelOptions models;

    @Override
    public Integer call() throws InterruptedException {
        LocalMesh mesh = LocalMesh.start(models.meshOptions().withPorts(grpcPort, httpPort));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            mesh.close();
            stopped.countDown();
        }, "specula-shutdown"));
        System.out.println("router grpc=127.0.0.1:" + mesh.router().grpcPort()
                + " http=http://127.0.0.1:" + mesh.routerHttpPort());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
