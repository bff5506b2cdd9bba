package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TraceIds;
import io.github.leakedtasks.tracking.TrackingSettings;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LeakedTasksTracingAutoConfiguration} with a real {@link Tracer} from
 * Micrometer's tracing test support.
 */
class LeakedTasksTracingAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(LeakedTasksAutoConfiguration.class, LeakedTasksTracingAutoConfiguration.class))
		.withPropertyValues("leaked-tasks.grace-period=100ms")
		.withUserConfiguration(PoolConfiguration.class);

	@Test
	void failureSubmittedInASpanIsReportedWithItsTraceAndSpan() {
		this.contextRunner.withUserConfiguration(TracerConfiguration.class).run((context) -> {
			String marker = UUID.randomUUID().toString();
			SimpleTracer tracer = context.getBean(SimpleTracer.class);
			Span span = tracer.nextSpan().name("POST /orders").start();
			Future<?> held;
			try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
				held = done(ordersPool(context).submit(failing(marker)));
			}
			finally {
				span.end();
			}
			LeakGroup group = awaitSuspected(context, marker);
			assertThat(group.latest().traceIds())
				.isEqualTo(new TraceIds(span.context().traceId(), span.context().spanId()));
			assertThat(span.context().traceId()).isNotBlank();
			assertThat(held).isDone();
		});
	}

	@Test
	void failureSubmittedOutsideASpanCarriesNoIds() {
		this.contextRunner.withUserConfiguration(TracerConfiguration.class).run((context) -> {
			String marker = UUID.randomUUID().toString();
			Future<?> held = done(ordersPool(context).submit(failing(marker)));
			assertThat(awaitSuspected(context, marker).latest().traceIds()).isNull();
			assertThat(held).isDone();
		});
	}

	@Test
	void withoutATracerBeanNothingIsCaptured() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasBean("leakedTasksTraceIds");
			String marker = UUID.randomUUID().toString();
			Future<?> held = done(ordersPool(context).submit(failing(marker)));
			assertThat(awaitSuspected(context, marker).latest().traceIds()).isNull();
			assertThat(held).isDone();
		});
	}

	@Test
	void tracerOfAClosedContextIsUnpluggedFromAnEngineThatOutlivesIt() {
		TaskTracker shared = TaskTracker.create(TrackingSettings.builder().gracePeriod(Duration.ofMillis(100)).build());
		ExecutorService pool = shared.wrap("shared", Executors.newSingleThreadExecutor());
		try {
			AtomicReference<SimpleTracer> tracerOfClosedContext = new AtomicReference<>();
			this.contextRunner.withUserConfiguration(TracerConfiguration.class)
				.withBean("sharedTracker", TaskTracker.class, () -> shared,
						(definition) -> definition.setDestroyMethodName(""))
				.run((context) -> {
					assertThat(context.getBean(TaskTracker.class)).isSameAs(shared);
					SimpleTracer tracer = context.getBean(SimpleTracer.class);
					tracerOfClosedContext.set(tracer);
					String marker = UUID.randomUUID().toString();
					Future<?> held = inSpan(tracer, () -> done(pool.submit(failing(marker))));
					assertThat(awaitSuspected(shared, marker).latest().traceIds()).isNotNull();
					assertThat(held).isDone();
				});
			String marker = UUID.randomUUID().toString();
			Future<?> held = inSpan(tracerOfClosedContext.get(), () -> done(pool.submit(failing(marker))));
			assertThat(awaitSuspected(shared, marker).latest().traceIds()).isNull();
			assertThat(held).isDone();
		}
		finally {
			pool.shutdownNow();
			shared.close();
		}
	}

	@Test
	void closingAChildContextLeavesTheTracerPluggedIn() {
		this.contextRunner.withUserConfiguration(TracerConfiguration.class).run((context) -> {
			new ApplicationContextRunner().withParent(context).run((child) -> assertThat(child).hasNotFailed());
			String marker = UUID.randomUUID().toString();
			Future<?> held = inSpan(context.getBean(SimpleTracer.class),
					() -> done(ordersPool(context).submit(failing(marker))));
			assertThat(awaitSuspected(context, marker).latest().traceIds()).isNotNull();
			assertThat(held).isDone();
		});
	}

	private static Future<?> inSpan(Tracer tracer, Supplier<Future<?>> submission) {
		Span span = tracer.nextSpan().name("GET /orders").start();
		try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
			return submission.get();
		}
		finally {
			span.end();
		}
	}

	@Test
	void withoutMicrometerTracingNothingIsLoaded() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(Tracer.class))
			.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class)
				.doesNotHaveBean(LeakedTasksTracingAutoConfiguration.class)
				.doesNotHaveBean("leakedTasksTraceIds"));
	}

	@Test
	void disabledByProperty() {
		this.contextRunner.withUserConfiguration(TracerConfiguration.class)
			.withPropertyValues("leaked-tasks.tracing.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class)
				.doesNotHaveBean("leakedTasksTraceIds"));
	}

	private static ExecutorService ordersPool(AssertableApplicationContext context) {
		return context.getBean("ordersPool", ExecutorService.class);
	}

	private static Runnable failing(String marker) {
		return () -> {
			throw new IllegalStateException(marker);
		};
	}

	/**
	 * Wait until a task submitted by a test has failed. Each test submits on a line of
	 * its own: with the Java agent, the engine is the JVM's, and a group another test
	 * confirmed would take no suspicion of the same line.
	 */
	private static Future<?> done(Future<?> future) {
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
		return future;
	}

	/**
	 * Wait for the group of the failure with this message: with the Java agent, the
	 * engine is the JVM's, and holds other tests' groups too.
	 */
	private static LeakGroup awaitSuspected(AssertableApplicationContext context, String marker) {
		return awaitSuspected(context.getBean(TaskTracker.class), marker);
	}

	private static LeakGroup awaitSuspected(TaskTracker tracker, String marker) {
		return await().atMost(Duration.ofSeconds(30))
			.until(() -> tracker.leaks()
				.stream()
				.filter((group) -> group.latest().exception() != null
						&& marker.equals(group.latest().exception().getMessage()))
				.findFirst(), Optional::isPresent)
			.get();
	}

	@Configuration(proxyBeanMethods = false)
	static class PoolConfiguration {

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService ordersPool() {
			return Executors.newFixedThreadPool(2);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TracerConfiguration {

		@Bean
		SimpleTracer tracer() {
			return new SimpleTracer();
		}

	}

}
