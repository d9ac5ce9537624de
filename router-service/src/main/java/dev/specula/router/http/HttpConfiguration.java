package dev.specula.router.http;

import dev.specula.router.admission.Admission;
import dev.specula.router.chat.ChatTemplate;
import dev.specula.router.config.RouterProperties;
import dev.specula.router.metrics.RouterMetrics;
import dev.specula.runtime.model.ModelFolder;
import io.micrometer.context.ContextExecutorService;
import io.micrometer.context.ContextSnapshotFactory;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The HTTP API's threads: a bounded pool for generations ({@code max-concurrent-requests} threads, then
 * {@code max-queued-requests} waiting, then 503), and the Spring MVC async executor that writes streamed responses
 * (one thread per open stream, at most as many as the generation pool admits).
 */
@Configuration(proxyBeanMethods = false)
public class HttpConfiguration implements WebMvcConfigurer, DisposableBean {
    private final HttpProperties http;
    private final RouterProperties router;
    private final ThreadPoolTaskExecutor sseWriters = new ThreadPoolTaskExecutor();

    public HttpConfiguration(HttpProperties http, RouterProperties router) {
        this.http = http;
        this.router = router;
        sseWriters.setThreadNamePrefix("specula-sse-");
        sseWriters.setCorePoolSize(4);
        sseWriters.setMaxPoolSize(http.maxConcurrentRequests() + http.maxQueuedRequests());
        sseWriters.setQueueCapacity(0);
        sseWriters.setAllowCoreThreadTimeOut(true);
        sseWriters.setDaemon(true);
        sseWriters.initialize();
    }

    @Bean
    HttpFrontDoor httpFrontDoor(RouterMetrics metrics, Admission admission) {
        int threads = http.maxConcurrentRequests();
        BlockingQueue<Runnable> queue = http.maxQueuedRequests() == 0 ? new SynchronousQueue<>()
                : new ArrayBlockingQueue<>(http.maxQueuedRequests());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, queue,
                daemonThreads("specula-http-gen-"), new ThreadPoolExecutor.AbortPolicy());
        pool.allowCoreThreadTimeOut(true);
        int context = ModelFolder.open(router.modelPath()).config().maxPositionEmbeddings();
        // The generation runs on the pool, not on the request's thread: it takes the request's observation along,
        // so its backend calls continue the request's trace.
        return new HttpFrontDoor(ContextExecutorService.wrap(pool, ContextSnapshotFactory.builder().build()),
                metrics.vllm(), context, admission);
    }

    @Bean
    ChatTemplate chatTemplate() {
        ChatTemplate template = ChatTemplate.forModel(ModelFolder.open(router.modelPath()), http.chatTemplate());
        LoggerFactory.getLogger(HttpConfiguration.class).info("chat template: {}", template.source());
        return template;
    }

    @Override
    public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
        configurer.setTaskExecutor(sseWriters);
        // A stream lasts at most the backend deadline; the margin covers queueing and the final events.
        configurer.setDefaultTimeout(router.requestTimeout().plusMinutes(1).toMillis());
    }

    @Override
    public void destroy() {
        sseWriters.shutdown();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
