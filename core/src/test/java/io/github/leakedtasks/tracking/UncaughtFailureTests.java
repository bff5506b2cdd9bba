package io.github.leakedtasks.tracking;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Rule 2: a failure of an {@code execute()} task is counted as uncaught, then handed to
 * the thread's uncaught-exception handler exactly as before; it is never a leak.
 */
class UncaughtFailureTests {

	private final TrackerFixture fixture = new TrackerFixture();

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void executeFailureIsCountedAsUncaughtAndHandlerStillGetsTheSameException() throws InterruptedException {
		List<Throwable> handled = new CopyOnWriteArrayList<>();
		CountDownLatch handlerRan = new CountDownLatch(1);
		ExecutorService pool = this.fixture.register(Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task);
			thread.setUncaughtExceptionHandler((t, ex) -> {
				handled.add(ex);
				handlerRan.countDown();
			});
			return thread;
		}));
		IllegalStateException failure = new IllegalStateException("boom");
		this.fixture.tracker.wrap("jobs", pool).execute(() -> {
			throw failure;
		});
		assertThat(handlerRan.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(handled).containsExactly(failure);
		assertThat(this.fixture.listener.uncaught).singleElement().satisfies((report) -> {
			assertThat(report.exception()).isSameAs(failure);
			assertThat(report.executor()).isEqualTo("jobs");
			assertThat(report.creationTrace().site().getClassName()).isEqualTo(getClass().getName());
		});
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("jobs")).isEmpty();
	}

	@Test
	void uncaughtFailureIsLoggedOnceWithoutTheStackTraceItsHandlerLogsAndNamesTheHandler() throws InterruptedException {
		List<String> messages = new CopyOnWriteArrayList<>();
		List<Throwable> exceptions = new CopyOnWriteArrayList<>();
		CountDownLatch logged = new CountDownLatch(1);
		this.fixture.tracker.addListener(new LoggingLeakListener((message, exception) -> {
			messages.add(message);
			if (exception != null) {
				exceptions.add(exception);
			}
			logged.countDown();
		}));
		this.fixture.pool("jobs").execute(() -> {
			throw new IllegalStateException("boom");
		});
		assertThat(logged.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(exceptions).isEmpty();
		assertThat(messages).singleElement()
			.satisfies((message) -> assertThat(message).contains("java.lang.IllegalStateException: boom")
				.contains("the thread's uncaught-exception handler")
				.contains("executor 'jobs'")
				.contains("Task created at:"));
	}

	@Test
	void uncaughtFailureIsLoggedWithTheIdOfTheGroupItIsListedIn() throws InterruptedException {
		List<LoggingLeakListener.Fields> logged = new CopyOnWriteArrayList<>();
		CountDownLatch done = new CountDownLatch(1);
		this.fixture.tracker.addListener(new LoggingLeakListener(new LoggingLeakListener.LogSink() {

			@Override
			public void log(String message, Throwable exception) {
			}

			@Override
			public void log(String message, Throwable exception, LoggingLeakListener.Fields fields) {
				logged.add(fields);
				done.countDown();
			}

		}));
		this.fixture.pool("jobs").execute(() -> {
			throw new IllegalStateException("boom");
		});
		assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
		LeakGroup group = this.fixture.tracker.leaks()
			.stream()
			.filter((leaks) -> leaks.kind() == LeakKind.UNCAUGHT)
			.findFirst()
			.orElseThrow();
		assertThat(logged).singleElement().satisfies((fields) -> {
			assertThat(fields.kind()).isEqualTo(LeakKind.UNCAUGHT);
			assertThat(fields.leakId()).isEqualTo(group.id());
		});
	}

	/**
	 * A task run on the calling thread inside {@code execute} (a saturated pool's
	 * {@code CallerRunsPolicy}, a synchronous executor) throws out of {@code execute}:
	 * the caller receives its failure, which no handler saw.
	 */
	@Test
	void failureThrownOutOfExecuteToTheCallerIsNotUncaught() throws InterruptedException {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch busy = new CountDownLatch(1);
		ThreadPoolExecutor pool = this.fixture.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
				new ArrayBlockingQueue<>(1), new ThreadPoolExecutor.CallerRunsPolicy()));
		ExecutorService callerRuns = this.fixture.tracker.wrap("caller-runs", pool);
		callerRuns.execute(() -> {
			busy.countDown();
			awaitQuietly(release);
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		callerRuns.execute(() -> {
		});
		IllegalStateException failure = new IllegalStateException("on the caller");
		assertThatIllegalStateException().isThrownBy(() -> callerRuns.execute(() -> {
			throw failure;
		})).isSameAs(failure);
		Executor synchronous = this.fixture.tracker.wrap("synchronous", (Executor) Runnable::run);
		IllegalArgumentException thrown = new IllegalArgumentException("synchronously");
		assertThatIllegalArgumentException().isThrownBy(() -> synchronous.execute(() -> {
			throw thrown;
		})).isSameAs(thrown);
		release.countDown();
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.uncaught).isEmpty();
		assertThat(this.fixture.listener.leaksOf("caller-runs")).isEmpty();
		assertThat(this.fixture.listener.leaksOf("synchronous")).isEmpty();
	}

	/**
	 * An executor that runs a task on the calling thread and keeps its failure from the
	 * caller: the failure is still counted as uncaught, as for any {@code execute} task
	 * whose failure the caller does not receive.
	 */
	@Test
	void failureAnExecutorKeepsFromTheCallerOnItsThreadIsUncaught() throws InterruptedException {
		IllegalStateException failure = new IllegalStateException("swallowed");
		Executor swallowing = this.fixture.tracker.wrap("swallowing", (Executor) (task) -> {
			try {
				task.run();
			}
			catch (RuntimeException ex) {
				// The executor's own handling.
			}
		});
		swallowing.execute(() -> {
			throw failure;
		});
		assertThat(this.fixture.listener.uncaught).singleElement()
			.satisfies((report) -> assertThat(report.exception()).isSameAs(failure));
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("swallowing")).isEmpty();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Test
	void successfulExecuteTaskIsNeitherUncaughtNorLeaked() throws InterruptedException {
		CountDownLatch ran = new CountDownLatch(1);
		this.fixture.pool("jobs").execute(ran::countDown);
		assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.uncaught).isEmpty();
		assertThat(this.fixture.listener.leaksOf("jobs")).isEmpty();
	}

}
