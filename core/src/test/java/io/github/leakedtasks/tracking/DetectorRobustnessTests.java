package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The detector outlives whatever the application's objects do, and a broken listener
 * never changes how a task fails.
 */
class DetectorRobustnessTests {

	private final TrackerFixture fixture = new TrackerFixture();

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void listenerThrowingAnErrorDoesNotStopDetection() {
		this.fixture.tracker.addListener(new LeakListener() {

			@Override
			public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
				throw new NoClassDefFoundError("broken listener");
			}

		});
		TrackerFixture.loseFailure(this.fixture.pool("first"));
		awaitLeaks("first");
		TrackerFixture.loseFailure(this.fixture.pool("second"));
		awaitLeaks("second");
	}

	@Test
	void listenerThrowingAnErrorDoesNotReplaceTheExceptionOfAnExecuteTask() throws InterruptedException {
		this.fixture.tracker.addListener(new LeakListener() {

			@Override
			public void onUncaught(UncaughtReport report) {
				throw new AssertionError("broken listener");
			}

		});
		AtomicReference<Throwable> received = new AtomicReference<>();
		CountDownLatch handled = new CountDownLatch(1);
		ThreadFactory factory = (task) -> {
			Thread thread = new Thread(task);
			thread.setUncaughtExceptionHandler((failed, ex) -> {
				received.set(ex);
				handled.countDown();
			});
			return thread;
		};
		ExecutorService executor = this.fixture.tracker.wrap("execute",
				this.fixture.register(Executors.newSingleThreadExecutor(factory)));
		executor.execute(() -> {
			throw new IllegalStateException("the task's own");
		});
		assertThat(handled.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(received.get()).isInstanceOf(IllegalStateException.class).hasMessage("the task's own");
	}

	@Test
	void failureWithACyclicCauseChainDoesNotStopDetection() {
		ExecutorService executor = this.fixture.pool("cyclic");
		TrackerFixture.awaitDone(loseCyclic(executor));
		this.fixture.awaitControlLeak();
		awaitLeaks("cyclic");
	}

	@Test
	void failureWhoseCauseCannotBeReadIsReportedAsItIs() {
		ExecutorService executor = this.fixture.pool("unreadable");
		Future<Object> future = executor.submit(() -> {
			throw new UnreadableCauseException();
		});
		TrackerFixture.awaitDone(future);
		future = null;
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("unreadable")).singleElement()
				.satisfies((report) -> assertThat(report.exception()).isInstanceOf(UnreadableCauseException.class));
		});
	}

	@Test
	void failureWhoseCauseThrowsAnErrorWhenReadIsReportedAsItIs() {
		ExecutorService executor = this.fixture.pool("erroneous");
		Future<Object> future = executor.submit(() -> {
			throw new ErroneousCauseException();
		});
		TrackerFixture.awaitDone(future);
		future = null;
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("erroneous")).singleElement()
				.satisfies((report) -> assertThat(report.exception()).isInstanceOf(ErroneousCauseException.class));
		});
	}

	/**
	 * An application's predicate of internal frames that throws, an exception or an error
	 * (an assertion of a test's): its frames are kept, and detection goes on.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void brokenInternalFramesPredicateKeepsTheFramesAndDetectionGoesOn(boolean error) throws InterruptedException {
		TrackerFixture broken = new TrackerFixture(
				TrackingSettings.builder().traceMode(CreationTraceMode.ALWAYS).internalFrames((className) -> {
					if (error) {
						throw new AssertionError("broken predicate");
					}
					throw new IllegalStateException("broken predicate");
				}).build());
		try {
			ExecutorService executor = broken.pool("traced");
			TrackerFixture.loseFailure(executor);
			broken.awaitControlLeak();
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(broken.listener.leaksOf("traced")).singleElement()
					.satisfies((report) -> assertThat(report.creationTrace().frames()).isNotEmpty());
			});
		}
		finally {
			broken.close();
		}
	}

	/**
	 * Wrappers used after their tracker closed (a bean outliving its context): nothing
	 * drains what the detector would, so nothing more is held.
	 */
	@Test
	void closedTrackerHoldsNothingForTheFuturesOfItsWrappers() throws Exception {
		TrackerFixture closing = new TrackerFixture();
		try {
			ExecutorService executor = closing.pool("after-close");
			CompletableFuture<String> done = closing.tracker.executor("after-close").callAsync(() -> "done", executor);
			assertThat(done.get(30, TimeUnit.SECONDS)).isEqualTo("done");
			closing.tracker.close();
			for (int i = 0; i < 1000; i++) {
				assertThat(done.thenApply((value) -> value + "!").join()).isEqualTo("done!");
			}
			Future<Object> failed = executor.submit(() -> {
				throw new IllegalStateException("after close");
			});
			TrackerFixture.awaitDone(failed);
			assertThat(closing.tracker.states().completedDependentCount()).isZero();
			assertThat(closing.tracker.watchedFailureCount()).isZero();
		}
		finally {
			closing.close();
		}
	}

	@Test
	void stackTraceWithMissingFramesIsReadWithoutThem() {
		StackTraceElement frame = new StackTraceElement("com.example.Orders", "place", "Orders.java", 42);
		Throwable holes = new IllegalStateException("holes") {

			@Override
			public StackTraceElement[] getStackTrace() {
				return new StackTraceElement[] { null, frame, null };
			}

		};
		assertThat(Exceptions.stackTrace(holes)).containsExactly(frame);
	}

	private static Future<Object> loseCyclic(ExecutorService executor) {
		return executor.submit(() -> {
			CyclicCompletionException first = new CyclicCompletionException();
			CyclicCompletionException second = new CyclicCompletionException();
			first.initCause(second);
			second.initCause(first);
			throw first;
		});
	}

	private void awaitLeaks(String executor) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf(executor)).hasSize(1);
		});
	}

	/**
	 * An exception of the application's whose cause throws when read.
	 */
	static final class UnreadableCauseException extends CompletionException {

		UnreadableCauseException() {
			super("unreadable", new IllegalStateException("cause"));
		}

		@Override
		public synchronized Throwable getCause() {
			throw new UnsupportedOperationException("getCause");
		}

	}

	/**
	 * An exception of the application's whose cause throws an {@link Error} when read.
	 */
	static final class ErroneousCauseException extends CompletionException {

		ErroneousCauseException() {
			super("erroneous", new IllegalStateException("cause"));
		}

		@Override
		public synchronized Throwable getCause() {
			throw new AssertionError("getCause");
		}

	}

	static final class CyclicCompletionException extends CompletionException {

		CyclicCompletionException() {
			super("cyclic");
		}

	}

}
