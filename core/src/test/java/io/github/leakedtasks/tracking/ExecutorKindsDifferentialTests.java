package io.github.leakedtasks.tracking;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Every kind of JDK executor, tracked and unwrapped side by side: the futures a caller
 * gets implement the same types, and {@code shutdownNow()} returns the same objects.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(ExecutorKindsDifferentialTests.Kind.class)
class ExecutorKindsDifferentialTests {

	private static final List<Class<?>> TYPES = List.of(Future.class, RunnableFuture.class, ScheduledFuture.class,
			RunnableScheduledFuture.class, Delayed.class, Comparable.class, ForkJoinTask.class);

	private final TrackerFixture fixture = new TrackerFixture();

	private final Kind kind;

	private final ExecutorService raw;

	private final ExecutorService tracked;

	private final CountDownLatch release = new CountDownLatch(1);

	ExecutorKindsDifferentialTests(Kind kind) {
		this.kind = kind;
		ExecutorService raw = kind.create();
		assumeThat(raw).as("executor available on this JDK").isNotNull();
		this.raw = this.fixture.register(raw);
		this.tracked = this.fixture.tracker.wrap("tracked", this.fixture.register(kind.create()));
	}

	@AfterEach
	void close() throws InterruptedException {
		this.release.countDown();
		this.fixture.close();
	}

	@Test
	void futuresOfSubmitImplementTheSameTypes() {
		assertThat(typesOf(this.tracked.submit(() -> "value"))).isEqualTo(typesOf(this.raw.submit(() -> "value")));
		assertThat(typesOf(this.tracked.submit(() -> {
		}))).isEqualTo(typesOf(this.raw.submit(() -> {
		})));
	}

	@Test
	void futuresOfScheduleImplementTheSameTypesAndArePeriodicAlike() {
		assumeThat(this.raw).isInstanceOf(ScheduledExecutorService.class);
		ScheduledExecutorService raw = (ScheduledExecutorService) this.raw;
		ScheduledExecutorService tracked = (ScheduledExecutorService) this.tracked;
		assertThat(typesOf(tracked.schedule(() -> "value", 1, TimeUnit.MILLISECONDS)))
			.isEqualTo(typesOf(raw.schedule(() -> "value", 1, TimeUnit.MILLISECONDS)));
		ScheduledFuture<?> rawPeriodic = raw.scheduleAtFixedRate(() -> {
		}, 1, 1, TimeUnit.HOURS);
		ScheduledFuture<?> trackedPeriodic = tracked.scheduleAtFixedRate(() -> {
		}, 1, 1, TimeUnit.HOURS);
		assertThat(typesOf(trackedPeriodic)).isEqualTo(typesOf(rawPeriodic));
		// A ForkJoinPool schedules since JDK 25; its futures are ForkJoinTasks.
		if (rawPeriodic instanceof RunnableScheduledFuture<?> periodic) {
			assertThat(((RunnableScheduledFuture<?>) trackedPeriodic).isPeriodic()).isEqualTo(periodic.isPeriodic());
		}
	}

	@Test
	void failuresReachTheCallerTheSameWay() {
		assertThat(outcome(this.tracked.submit(ExecutorKindsDifferentialTests::fail)))
			.isEqualTo(outcome(this.raw.submit(ExecutorKindsDifferentialTests::fail)));
	}

	@Test
	void shutdownNowReturnsTheSameObjects() throws InterruptedException {
		assertThat(pendingAfterShutdownNow(this.tracked)).isEqualTo(pendingAfterShutdownNow(this.raw));
	}

	/**
	 * Describe, for two queued tasks (one submitted, one executed), which of the objects
	 * the caller handed over or got back {@code shutdownNow()} returns.
	 */
	private String pendingAfterShutdownNow(ExecutorService executor) throws InterruptedException {
		int workers = this.kind.workers;
		CountDownLatch busy = new CountDownLatch(workers);
		for (int i = 0; i < workers; i++) {
			executor.execute(() -> {
				busy.countDown();
				try {
					this.release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
		}
		if (!busy.await(30, TimeUnit.SECONDS)) {
			return "workers never started";
		}
		Future<String> submitted = executor.submit(() -> "queued");
		Runnable executed = () -> {
		};
		executor.execute(executed);
		List<Runnable> pending = executor.shutdownNow();
		List<String> described = new ArrayList<>();
		for (Runnable runnable : pending) {
			described.add((runnable == submitted) ? "submitted future" : (runnable == executed) ? "executed runnable"
					: (runnable instanceof Future<?>) ? "other future" : "other runnable");
		}
		return described.toString();
	}

	private static String typesOf(Future<?> future) {
		return TYPES.stream().filter((type) -> type.isInstance(future)).map(Class::getSimpleName).toList().toString();
	}

	private static String outcome(Future<?> future) {
		try {
			return "value " + future.get(30, TimeUnit.SECONDS);
		}
		catch (ExecutionException ex) {
			return "ExecutionException caused by " + ex.getCause();
		}
		catch (Exception ex) {
			return ex.getClass().getName();
		}
	}

	private static String fail() {
		throw new IllegalStateException("failed");
	}

	enum Kind {

		FIXED(2, () -> Executors.newFixedThreadPool(2)), CACHED(1, Executors::newCachedThreadPool),
		SINGLE(1, Executors::newSingleThreadExecutor), SCHEDULED(2, () -> Executors.newScheduledThreadPool(2)),
		FORK_JOIN(2, () -> new ForkJoinPool(2)), VIRTUAL(0, Kind::virtualThreads);

		final int workers;

		private final Supplier<ExecutorService> factory;

		Kind(int workers, Supplier<ExecutorService> factory) {
			this.workers = workers;
			this.factory = factory;
		}

		ExecutorService create() {
			return this.factory.get();
		}

		private static ExecutorService virtualThreads() {
			try {
				Method method = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
				return (ExecutorService) method.invoke(null);
			}
			catch (ReflectiveOperationException ex) {
				return null;
			}
		}

	}

}
