package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

/**
 * The trace ids of futures the engine did not create ({@link FutureEvents}), with a
 * source of trace ids plugged in: remembered for a future created in a trace, as a
 * wrapper's task remembers them, whatever the mode of creation traces.
 */
class FutureEventsTraceIdsTests {

	private static final TraceIds ORDERS = new TraceIds("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");

	private static final TraceIds PAYMENTS = new TraceIds("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");

	private static final ThreadLocal<TraceIds> CURRENT = new ThreadLocal<>();

	private final TaskTracker tracker = TaskTracker
		.create(TrackingSettings.builder().traceMode(CreationTraceMode.OFF).gracePeriod(Duration.ofMinutes(1)).build());

	private final RecordingListener listener = new RecordingListener();

	private final FutureEvents events = new FutureEvents(this.tracker, "agent");

	FutureEventsTraceIdsTests() {
		this.tracker.addListener(this.listener);
		this.tracker.captureTraceIds(CURRENT::get);
	}

	@AfterEach
	void close() {
		CURRENT.remove();
		this.tracker.close();
	}

	@Test
	void failureOfAFutureCreatedInATraceCarriesItsIdsWithoutACreationTrace() {
		createdThenFailedIgnored(ORDERS, "in a trace");
		createdThenFailedIgnored(null, "outside");
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks).hasSize(2);
		});
		assertThat(this.listener.leaks).filteredOn((report) -> report.exception().getMessage().equals("in a trace"))
			.singleElement()
			.satisfies((report) -> {
				assertThat(report.traceIds()).isEqualTo(ORDERS);
				assertThat(report.creationTrace()).isNull();
				assertThat(report.thread()).isEqualTo(Thread.currentThread().getName());
			});
		assertThat(this.listener.leaks).filteredOn((report) -> report.exception().getMessage().equals("outside"))
			.singleElement()
			.satisfies((report) -> assertThat(report.traceIds()).isNull());
	}

	@Test
	void plainTaskExecutedAgainCarriesNoIdsFromThen() {
		// Its earlier run may still be going: which trace a failure belongs to is not
		// known.
		Runnable task = new Stateful();
		inTrace(ORDERS, () -> this.events.created(task, task));
		this.events.discarded(task, "pool");
		inTrace(PAYMENTS, () -> this.events.created(task, task));
		this.events.discarded(task, "pool");
		this.events.created(task, task);
		inTrace(PAYMENTS, () -> this.events.created(task, task));
		this.events.discarded(task, "pool");
		assertThat(this.listener.leaks).extracting(LeakReport::traceIds).containsExactly(ORDERS, null, null);
		assertThat(this.listener.leaks).extracting(LeakReport::thread)
			.containsExactly(Thread.currentThread().getName(), "(unknown)", "(unknown)");
	}

	@Test
	void plainTaskThatFailedCarriesNoIdsWhenExecutedAgain() {
		Runnable task = new Stateful();
		inTrace(ORDERS, () -> this.events.created(task, task));
		this.events.uncaught(task, new IllegalStateException("first"), "pool");
		inTrace(PAYMENTS, () -> this.events.created(task, task));
		this.events.uncaught(task, new IllegalStateException("second"), "pool");
		assertThat(this.listener.uncaught).extracting(UncaughtReport::traceIds).containsExactly(ORDERS, null);
	}

	@Test
	void plainTaskExecutedAgainKeepsItsFirstCreationTraceWithoutIds() {
		TaskTracker traced = TaskTracker.create(TrackingSettings.builder()
			.traceMode(CreationTraceMode.ALWAYS)
			.gracePeriod(Duration.ofMinutes(1))
			.build());
		RecordingListener leaks = new RecordingListener();
		traced.addListener(leaks);
		traced.captureTraceIds(CURRENT::get);
		try {
			FutureEvents source = new FutureEvents(traced, "agent");
			Runnable task = new Stateful();
			inTrace(ORDERS, () -> source.created(task, task));
			Thread other = new Thread(() -> inTrace(PAYMENTS, () -> source.created(task, task)), "other");
			other.start();
			other.join();
			source.discarded(task, "pool");
			assertThat(leaks.leaks).singleElement().satisfies((report) -> {
				assertThat(report.traceIds()).isNull();
				assertThat(report.thread()).isEqualTo(Thread.currentThread().getName());
				assertThat(report.creationTrace()).isNotNull();
			});
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		finally {
			traced.close();
		}
	}

	@Test
	void dependentOfAFailedFutureCarriesItsIds() {
		Object future = new CompletableFuture<>();
		inTrace(ORDERS, () -> this.events.created(future, new Object()));
		this.events.failed(future, new IllegalStateException("source"));
		assertThat(this.events.hasTraceIds(future)).isTrue();
		this.events.retrieved(future);
		failDependent(future);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks).hasSize(2);
		});
		assertThat(this.listener.leaks).filteredOn((report) -> report.exception().getMessage().equals("dependent"))
			.singleElement()
			.satisfies((report) -> {
				assertThat(report.traceIds()).isEqualTo(ORDERS);
				assertThat(report.thread()).isEqualTo("(unknown)");
				assertThat(report.task()).isEqualTo(CompletableFuture.class.getName());
			});
	}

	@Test
	void dependentFailedByAHandlerBeforeItIsHandedOnCarriesTheIds() {
		Object future = new CompletableFuture<>();
		inTrace(ORDERS, () -> this.events.created(future, new Object()));
		this.events.failed(future, new IllegalStateException("source"));
		this.events.retrieved(future);
		failDependentFirst(future);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks).singleElement()
				.satisfies((report) -> assertThat(report.traceIds()).isEqualTo(ORDERS));
		});
	}

	@Test
	void idsDoNotRenameAnUntracedTask() {
		// Named as outside a trace: one bug stays one group, whatever request ran it.
		createdThenFailedIgnored(ORDERS, "a task of another type", "renamed?");
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks).singleElement()
				.satisfies((report) -> assertThat(report.task()).isEqualTo(CompletableFuture.class.getName()));
		});
	}

	@Test
	void plainTaskWithoutStateCarriesNoIds() {
		// One object for every execution (a lambda that captures nothing), which may
		// overlap.
		Runnable task = () -> {
		};
		inTrace(ORDERS, () -> this.events.created(task, task));
		this.events.discarded(task, "pool");
		assertThat(this.listener.leaks).singleElement().satisfies((report) -> assertThat(report.traceIds()).isNull());
		assertThat(this.events.rememberedCount()).isZero();
	}

	@Test
	void futureTaskCreatedInATraceCarriesItsIds() {
		lostFutureTask(ORDERS);
		lostFutureTask(null);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks).extracting(LeakReport::traceIds).containsExactlyInAnyOrder(ORDERS, null);
		});
	}

	@Test
	void overdueTaskCarriesTheIdsOfItsFuture() {
		Object future = new CompletableFuture<>();
		Object task = new Object();
		inTrace(ORDERS, () -> this.events.created(future, task));
		OverdueTask overdue = this.events.overdueTask("pool", task, future, OverdueTask.State.QUEUED,
				Duration.ofSeconds(5).toNanos(), null);
		assertThat(overdue.traceIds()).isEqualTo(ORDERS);
		assertThat(overdue.creationTrace()).isNull();
	}

	@Test
	void nothingIsRememberedForFuturesCreatedOutsideATrace() {
		for (int i = 0; i < 100; i++) {
			Object future = new CompletableFuture<>();
			this.events.created(future, new Object());
			Runnable task = new Stateful();
			this.events.created(task, task);
		}
		assertThat(this.events.rememberedCount()).isZero();
	}

	@Test
	void sourceThatThrowsLeavesTheFutureWithoutIds() {
		this.tracker.captureTraceIds(() -> {
			throw new IllegalStateException("tracer");
		});
		Object future = new CompletableFuture<>();
		Runnable task = new Stateful();
		assertThatNoException().isThrownBy(() -> {
			inTrace(ORDERS, () -> this.events.created(future, new Object()));
			inTrace(ORDERS, () -> this.events.created(task, task));
		});
		assertThat(this.events.rememberedCount()).isZero();
	}

	@Test
	void actionRunsWhenASourceIsPluggedInAndAtOnceIfOneIs() {
		TaskTracker fresh = TaskTracker.create();
		try {
			AtomicInteger runs = new AtomicInteger();
			List<String> order = new CopyOnWriteArrayList<>();
			fresh.whenTraceIdsCaptured(runs::incrementAndGet);
			fresh.whenTraceIdsCaptured(() -> {
				order.add("throws");
				throw new IllegalStateException("integration");
			});
			assertThat(runs).hasValue(0);
			fresh.captureTraceIds(null);
			assertThat(runs).hasValue(0);
			assertThatNoException().isThrownBy(() -> fresh.captureTraceIds(CURRENT::get));
			assertThat(runs).hasValue(1);
			assertThat(order).containsExactly("throws");
			fresh.whenTraceIdsCaptured(runs::incrementAndGet);
			assertThat(runs).hasValue(2);
			assertThatNoException().isThrownBy(() -> fresh.whenTraceIdsCaptured(() -> {
				throw new IllegalStateException("integration");
			}));
		}
		finally {
			fresh.close();
		}
	}

	private void createdThenFailedIgnored(TraceIds ids, String message) {
		createdThenFailedIgnored(ids, new Object(), message);
	}

	private void createdThenFailedIgnored(TraceIds ids, Object task, String message) {
		Object future = new CompletableFuture<>();
		inTrace(ids, () -> this.events.created(future, task));
		this.events.failed(future, new IllegalStateException(message));
	}

	private void failDependentFirst(Object future) {
		Object dependent = new CompletableFuture<>();
		this.events.failed(dependent, new IllegalStateException("thrown by a handler"));
		this.events.handedOn(future, dependent);
	}

	private void failDependent(Object future) {
		Object dependent = new CompletableFuture<>();
		Object untraced = new CompletableFuture<>();
		this.events.handedOn(future, dependent);
		this.events.failed(dependent, new IllegalStateException("dependent"));
		this.events.failed(untraced, new IllegalStateException("control"));
		assertThat(this.events.hasTraceIds(untraced)).isFalse();
	}

	private void lostFutureTask(TraceIds ids) {
		Callable<Object> task = () -> {
			throw new IllegalStateException("lost");
		};
		FutureTask<Object> future = new FutureTask<>(task);
		inTrace(ids, () -> this.events.created(future, task));
		future.run();
		this.events.failed(future, new IllegalStateException("lost"), null, task);
	}

	private static void inTrace(TraceIds ids, Runnable action) {
		CURRENT.set(ids);
		try {
			action.run();
		}
		finally {
			CURRENT.remove();
		}
	}

	/**
	 * A plain task with state, which each execution usually makes anew.
	 */
	private static final class Stateful implements Runnable {

		private final long made = System.nanoTime();

		@Override
		public void run() {
		}

		@Override
		public String toString() {
			return "made at " + this.made;
		}

	}

}
