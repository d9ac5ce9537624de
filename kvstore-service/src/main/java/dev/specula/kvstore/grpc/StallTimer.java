package dev.specula.kvstore.grpc;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * One daemon thread that wakes stalled GetBlocks streams. Its own type (not a bare ScheduledExecutorService bean) so
 * it never stands in for the task scheduler that Boot auto-configures for other purposes.
 */
@Component
class StallTimer implements DisposableBean {

    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
        Thread thread = new Thread(task, "kvstore-stall-timer");
        thread.setDaemon(true);
        return thread;
    });

    StallTimer() {
        executor.setRemoveOnCancelPolicy(true); // streams that finish in time leave no task behind
    }

    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }
}
