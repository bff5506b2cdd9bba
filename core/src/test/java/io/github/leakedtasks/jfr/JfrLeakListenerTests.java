package io.github.leakedtasks.jfr;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.leakedtasks.tracking.CreationTraceMode;
import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.OverdueTask;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TraceIds;
import io.github.leakedtasks.tracking.TrackingSettings;
import io.github.leakedtasks.tracking.UncaughtReport;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link JfrLeakListener} with a real recording, read back with
 * {@code jdk.jfr.consumer}.
 */
class JfrLeakListenerTests {

	private final TaskTracker tracker = TaskTracker.create(TrackingSettings.builder()
		.gracePeriod(Duration.ofMillis(100))
		.overdueThreshold(Duration.ofMillis(100))
		.traceMode(CreationTraceMode.ALWAYS)
		.build());

	private final ExecutorService pool = Executors.newFixedThreadPool(2);

	private final AtomicInteger leaksNotified = new AtomicInteger();

	private final AtomicInteger uncaughtNotified = new AtomicInteger();

	private final AtomicInteger overdueNotified = new AtomicInteger();

	@TempDir
	Path dir;

	@AfterEach
	void close() {
		this.pool.shutdownNow();
		this.tracker.close();
	}

	@Test
	void lostFailureIsRecordedWithExecutorTaskExceptionAndCreationTraceButNoMessage() throws Exception {
		addListeners(false);
		ExecutorService orders = this.tracker.wrap("orders", this.pool);
		List<RecordedEvent> events = record(UnretrievedEvent.NAME, () -> {
			loseFailure(orders);
			awaitTotal(LeakKind.EXCEPTION_NOT_RETRIEVED);
		});
		assertThat(events).singleElement().satisfies((event) -> {
			assertThat(event.getEventType().getCategoryNames()).containsExactly("leaked-tasks");
			assertThat(event.getString("executor")).isEqualTo("orders");
			assertThat(event.getString("task")).startsWith(JfrLeakListenerTests.class.getName());
			assertThat(event.getString("exceptionType")).isEqualTo(IllegalStateException.class.getName());
			assertThat(event.getString("exceptionMessage")).isNull();
			assertThat(event.getString("leakId")).isEqualTo(this.tracker.leaks().get(0).id());
			assertThat(event.getString("thread")).isEqualTo(Thread.currentThread().getName());
			assertThat(event.getString("creationTrace"))
				.contains(JfrLeakListenerTests.class.getName() + ".loseFailure(");
			assertThat(event.getStackTrace()).isNull();
		});
	}

	@Test
	void traceAndSpanOfTheSubmissionAreRecorded() throws Exception {
		addListeners(false);
		ExecutorService orders = this.tracker.wrap("orders", this.pool);
		this.tracker.captureTraceIds(() -> new TraceIds("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"));
		List<RecordedEvent> events = record(UnretrievedEvent.NAME, () -> {
			loseFailure(orders);
			awaitTotal(LeakKind.EXCEPTION_NOT_RETRIEVED);
		});
		assertThat(events).singleElement().satisfies((event) -> {
			assertThat(event.getString("traceId")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
			assertThat(event.getString("spanId")).isEqualTo("00f067aa0ba902b7");
		});
	}

	@Test
	void messageIsRecordedWhenShown() throws Exception {
		addListeners(true);
		ExecutorService orders = this.tracker.wrap("orders", this.pool);
		List<RecordedEvent> events = record(UnretrievedEvent.NAME, () -> {
			loseFailure(orders);
			awaitTotal(LeakKind.EXCEPTION_NOT_RETRIEVED);
		});
		assertThat(events).singleElement()
			.satisfies((event) -> assertThat(event.getString("exceptionMessage")).isEqualTo("secret order 42"));
	}

	@Test
	void droppedTaskIsRecorded() throws Exception {
		addListeners(false);
		CountDownLatch release = new CountDownLatch(1);
		ThreadPoolExecutor single = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1),
				new ThreadPoolExecutor.DiscardPolicy());
		try {
			ExecutorService reports = this.tracker.wrap("reports", single);
			List<RecordedEvent> events = record(DroppedEvent.NAME, () -> {
				dropOne(reports, release);
				awaitTotal(LeakKind.DROPPED_WHILE_PENDING);
			});
			assertThat(events).singleElement().satisfies((event) -> {
				assertThat(event.getString("executor")).isEqualTo("reports");
				assertThat(event.getString("exceptionType")).isNull();
			});
		}
		finally {
			release.countDown();
			single.shutdownNow();
		}
	}

	@Test
	void uncaughtFailureIsRecorded() throws Exception {
		addListeners(false);
		ExecutorService quiet = Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task);
			thread.setUncaughtExceptionHandler((t, ex) -> {
			});
			return thread;
		});
		try {
			ExecutorService jobs = this.tracker.wrap("jobs", quiet);
			List<RecordedEvent> events = record(UncaughtEvent.NAME, () -> {
				jobs.execute(() -> {
					throw new IllegalArgumentException("uncaught");
				});
				await().atMost(Duration.ofSeconds(30))
					.until(() -> this.tracker.leaks().stream().anyMatch((group) -> group.kind() == LeakKind.UNCAUGHT));
				awaitNotified(this.uncaughtNotified);
			});
			String leakId = this.tracker.leaks()
				.stream()
				.filter((group) -> group.kind() == LeakKind.UNCAUGHT)
				.findFirst()
				.orElseThrow()
				.id();
			assertThat(events).singleElement().satisfies((event) -> {
				assertThat(event.getString("executor")).isEqualTo("jobs");
				assertThat(event.getString("exceptionType")).isEqualTo(IllegalArgumentException.class.getName());
				// The id the endpoint lists it under.
				assertThat(event.getString("leakId")).isEqualTo(leakId);
			});
		}
		finally {
			quiet.shutdownNow();
		}
	}

	@Test
	void overdueTaskIsRecordedOnce() throws Exception {
		addListeners(false);
		ExecutorService slow = this.tracker.wrap("slow", this.pool);
		CountDownLatch release = new CountDownLatch(1);
		try {
			List<RecordedEvent> events = record(OverdueEvent.NAME, () -> {
				slow.execute(() -> awaitQuietly(release));
				await().atMost(Duration.ofSeconds(30)).until(() -> this.tracker.overdueCount("slow") == 1);
				awaitNotified(this.overdueNotified);
				// Many more sweeps (one every 25 ms here): the task stays overdue and is
				// recorded once.
				await().atMost(Duration.ofSeconds(30))
					.until(() -> this.tracker.overdueTasks().get(0).age().toMillis() > 500);
			});
			assertThat(events).singleElement().satisfies((event) -> {
				assertThat(event.getString("executor")).isEqualTo("slow");
				assertThat(event.getString("state")).isEqualTo("RUNNING");
				assertThat(event.getDuration("age")).isGreaterThanOrEqualTo(Duration.ofMillis(100));
			});
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void nothingIsRecordedWhenTheEventsAreDisabled() throws Exception {
		addListeners(false);
		ExecutorService orders = this.tracker.wrap("orders", this.pool);
		try (Recording recording = new Recording()) {
			recording.disable(UnretrievedEvent.NAME);
			recording.enable("jdk.ThreadStart");
			recording.start();
			loseFailure(orders);
			awaitTotal(LeakKind.EXCEPTION_NOT_RETRIEVED);
			recording.stop();
			Path file = this.dir.resolve("disabled.jfr");
			recording.dump(file);
			assertThat(RecordingFile.readAllEvents(file))
				.noneMatch((event) -> event.getEventType().getName().startsWith("io.github.leakedtasks"));
		}
	}

	@Test
	void eventTypesAreRegisteredInTheLeakedTasksCategory() throws Exception {
		addListeners(false);
		record(UnretrievedEvent.NAME, () -> {
		});
		assertThat(FlightRecorder.getFlightRecorder().getEventTypes())
			.filteredOn((type) -> type.getName().startsWith("io.github.leakedtasks."))
			.extracting(EventType::getName)
			.contains(UnretrievedEvent.NAME);
	}

	/**
	 * Add the listener under test and, after it, one that counts the calls: the tracker
	 * calls its listeners in order after counting a leak in its summary, so the event is
	 * committed once the counter moved, not when the summary shows the leak.
	 */
	private void addListeners(boolean showMessages) {
		this.tracker.addListener(new JfrLeakListener(showMessages));
		this.tracker.addListener(new LeakListener() {

			@Override
			public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
				JfrLeakListenerTests.this.leaksNotified.incrementAndGet();
			}

			@Override
			public void onUncaught(UncaughtReport report) {
				JfrLeakListenerTests.this.uncaughtNotified.incrementAndGet();
			}

			@Override
			public void onOverdue(OverdueTask task) {
				JfrLeakListenerTests.this.overdueNotified.incrementAndGet();
			}

		});
	}

	/**
	 * Wait until the counting listener was called back for the kind of event awaited: a
	 * call of another kind (a task overdue while a drop is awaited) says nothing of it.
	 */
	private static void awaitNotified(AtomicInteger calls) {
		await().atMost(Duration.ofSeconds(30)).until(() -> calls.get() > 0);
	}

	private List<RecordedEvent> record(String eventName, ThrowingRunnable action) throws Exception {
		try (Recording recording = new Recording()) {
			recording.enable(eventName);
			recording.start();
			action.run();
			recording.stop();
			Path file = this.dir.resolve("events.jfr");
			recording.dump(file);
			return RecordingFile.readAllEvents(file)
				.stream()
				.filter((event) -> event.getEventType().getName().equals(eventName))
				.toList();
		}
	}

	private void awaitTotal(LeakKind kind) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.tracker.summary().totals()).containsKey(kind);
		});
		awaitNotified(this.leaksNotified);
	}

	private static void loseFailure(ExecutorService executor) {
		Future<?> future = executor.submit(() -> {
			throw new IllegalStateException("secret order 42");
		});
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private static void dropOne(ExecutorService executor, CountDownLatch release) {
		executor.execute(() -> awaitQuietly(release));
		executor.execute(() -> awaitQuietly(release));
		executor.submit(() -> "dropped");
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@FunctionalInterface
	interface ThrowingRunnable {

		void run() throws Exception;

	}

}
