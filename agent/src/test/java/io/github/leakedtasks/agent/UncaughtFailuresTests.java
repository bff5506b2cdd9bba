package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.UncaughtReport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A plain task a {@code ThreadPoolExecutor} runs that throws, with no wrapper: reported
 * as uncaught, and the thread's uncaught-exception handler still gets the exception.
 */
class UncaughtFailuresTests {

	private final TaskTracker tracker = LeakedTasksAgent.tracker().orElseThrow();

	private final List<UncaughtReport> uncaught = new CopyOnWriteArrayList<>();

	private final LeakListener listener = new LeakListener() {

		@Override
		public void onUncaught(UncaughtReport report) {
			UncaughtFailuresTests.this.uncaught.add(report);
		}

	};

	UncaughtFailuresTests() {
		this.tracker.addListener(this.listener);
	}

	@AfterEach
	void stopListening() {
		this.tracker.removeListener(this.listener);
	}

	/**
	 * The uncaught failures this test caused: the agent's tracker is the JVM's, where a
	 * task another test class left running may fail while this test listens.
	 */
	private List<UncaughtReport> mine(String marker) {
		return this.uncaught.stream()
			.filter((report) -> (report.executor() != null && report.executor().contains(marker))
					|| (report.exception() != null && report.exception().getMessage() != null
							&& report.exception().getMessage().contains(marker)))
			.toList();
	}

	@Test
	void afterExecuteThatThrowsAfterATaskSucceededIsNotTheTasksFailure() throws InterruptedException {
		// runWorker hands what afterExecute threw to afterExecute again, as it would a
		// failure of the task; the thread's handler still gets it.
		String marker = AgentFixture.marker();
		List<Throwable> handled = new CopyOnWriteArrayList<>();
		List<Throwable> handedToAfterExecute = new CopyOnWriteArrayList<>();
		CountDownLatch reachedHandler = new CountDownLatch(1);
		ThreadFactory handling = (runnable) -> {
			Thread thread = new Thread(runnable, "after-" + marker);
			thread.setUncaughtExceptionHandler((failed, ex) -> {
				handled.add(ex);
				reachedHandler.countDown();
			});
			return thread;
		};
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				handling) {

			@Override
			protected void afterExecute(Runnable task, Throwable failure) {
				if (failure == null) {
					throw new IllegalStateException(marker);
				}
				handedToAfterExecute.add(failure);
			}

		};
		this.tracker.nameExecutor(pool, "after-" + marker);
		try {
			pool.execute(() -> {
			});
			assertThat(reachedHandler.await(30, TimeUnit.SECONDS)).isTrue();
			assertThat(handled).singleElement()
				.satisfies((ex) -> assertThat(ex).isInstanceOf(IllegalStateException.class).hasMessage(marker));
			assertThat(handedToAfterExecute).containsExactly(handled.get(0));
			// A plain task that fails on the same pool is reported: nothing before it
			// was.
			pool.execute(new Throwing("control-" + marker));
			await().atMost(Duration.ofSeconds(30))
				.until(() -> this.uncaught.stream()
					.anyMatch((report) -> ("control-" + marker).equals(report.exception().getMessage())));
			assertThat(this.uncaught).extracting((report) -> report.exception().getMessage())
				.filteredOn((message) -> message != null && message.contains(marker))
				.containsExactly("control-" + marker);
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void plainTaskThatThrowsIsReportedAsUncaughtAndStillReachesTheHandler() throws InterruptedException {
		String marker = AgentFixture.marker();
		List<Throwable> handled = new CopyOnWriteArrayList<>();
		CountDownLatch reachedHandler = new CountDownLatch(1);
		ThreadFactory handling = (runnable) -> {
			Thread thread = new Thread(runnable, "uncaught-" + marker);
			thread.setUncaughtExceptionHandler((failed, ex) -> {
				handled.add(ex);
				reachedHandler.countDown();
			});
			return thread;
		};
		ExecutorService pool = Executors.newFixedThreadPool(1, handling);
		this.tracker.nameExecutor(pool, "uncaught-" + marker);
		try {
			pool.execute(new Throwing(marker));
			assertThat(reachedHandler.await(30, TimeUnit.SECONDS)).isTrue();
			assertThat(handled).singleElement()
				.satisfies((ex) -> assertThat(ex).isInstanceOf(IllegalStateException.class).hasMessage(marker));
			await().atMost(Duration.ofSeconds(30)).until(() -> !mine(marker).isEmpty());
			assertThat(mine(marker)).singleElement().satisfies((report) -> {
				assertThat(report.executor()).isEqualTo("uncaught-" + marker);
				assertThat(report.task()).isEqualTo(Throwing.class.getName());
				assertThat(report.exception()).isSameAs(handled.get(0));
				assertThat(report.handler()).isEqualTo(UncaughtReport.Handler.THREAD);
			});
			assertThat(this.tracker.leaks()).anySatisfy((group) -> {
				assertThat(group.kind()).isEqualTo(LeakKind.UNCAUGHT);
				assertThat(group.executor()).isEqualTo("uncaught-" + marker);
			});
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void uncaughtFailureOfTheFirstTaskOfATypeSaysWhereAndByWhomItWasExecuted() throws InterruptedException {
		String marker = AgentFixture.marker();
		CountDownLatch reachedHandler = new CountDownLatch(1);
		ExecutorService pool = Executors.newFixedThreadPool(1, (runnable) -> {
			Thread thread = new Thread(runnable);
			thread.setUncaughtExceptionHandler((failed, ex) -> reachedHandler.countDown());
			return thread;
		});
		this.tracker.nameExecutor(pool, "uncaught-" + marker);
		// A type of its own: the first task of its type is traced.
		class FirstOfItsType implements Runnable {

			@Override
			public void run() {
				throw new IllegalStateException(marker);
			}

		}
		try {
			pool.execute(new FirstOfItsType());
			assertThat(reachedHandler.await(30, TimeUnit.SECONDS)).isTrue();
			await().atMost(Duration.ofSeconds(30)).until(() -> !mine(marker).isEmpty());
			assertThat(mine(marker)).singleElement().satisfies((report) -> {
				assertThat(report.task()).isEqualTo(FirstOfItsType.class.getName());
				assertThat(report.thread()).isEqualTo(Thread.currentThread().getName());
				assertThat(report.creationTrace()).isNotNull();
				assertThat(report.creationTrace().site().getMethodName())
					.isEqualTo("uncaughtFailureOfTheFirstTaskOfATypeSaysWhereAndByWhomItWasExecuted");
			});
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void submittedTaskThatThrowsIsNotUncaught() throws Exception {
		String marker = AgentFixture.marker();
		ExecutorService pool = Executors.newFixedThreadPool(1);
		// Named, so that a report of it is the test's whatever its exception.
		this.tracker.nameExecutor(pool, "submitted-" + marker);
		try {
			Future<?> future = pool.submit(new Throwing(marker));
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> future.get(30, TimeUnit.SECONDS));
		}
		finally {
			// Terminated: afterExecute has run for the task.
			pool.shutdown();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(mine(marker)).isEmpty();
	}

	@Test
	void futuresFailureThatASubclassHandsToAfterExecuteIsNotUncaught() throws Exception {
		// As ThreadPoolExecutor's javadoc shows: a subclass reads a future's failure and
		// passes it on as the task's.
		String marker = AgentFixture.marker();
		CountDownLatch afterExecute = new CountDownLatch(1);
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>()) {

			@Override
			protected void afterExecute(Runnable task, Throwable failure) {
				Throwable cause = failure;
				if (cause == null && task instanceof Future<?> future && future.isDone()) {
					try {
						future.get();
					}
					catch (ExecutionException ex) {
						cause = ex.getCause();
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
				super.afterExecute(task, cause);
				afterExecute.countDown();
			}

		};
		this.tracker.nameExecutor(pool, "handing-" + marker);
		try {
			pool.submit(new Throwing(marker));
			assertThat(afterExecute.await(30, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(mine(marker)).isEmpty();
	}

	@Test
	void plainTaskThatThrowsOnASubclassThatOverridesTheHooksWithoutCallingItsSupersIsReported()
			throws InterruptedException {
		// As Spring's ThreadPoolTaskExecutor builds its pool: both hooks overridden,
		// neither calling ThreadPoolExecutor's; each still gets what it got without the
		// agent.
		String marker = AgentFixture.marker();
		List<Object> calls = new CopyOnWriteArrayList<>();
		CountDownLatch reachedHandler = new CountDownLatch(1);
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				(runnable) -> {
					Thread thread = new Thread(runnable);
					thread.setUncaughtExceptionHandler((failed, ex) -> reachedHandler.countDown());
					return thread;
				}) {

			@Override
			protected void beforeExecute(Thread thread, Runnable task) {
				calls.add(task);
				calls.add(thread == Thread.currentThread());
			}

			@Override
			protected void afterExecute(Runnable task, Throwable failure) {
				calls.add(task);
				calls.add(failure);
			}

		};
		this.tracker.nameExecutor(pool, "overriding-" + marker);
		Throwing task = new Throwing(marker);
		try {
			pool.execute(task);
			assertThat(reachedHandler.await(30, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(calls).hasSize(4).startsWith(task, true, task);
		assertThat((Throwable) calls.get(3)).isInstanceOf(IllegalStateException.class).hasMessage(marker);
		await().atMost(Duration.ofSeconds(30)).until(() -> !mine(marker).isEmpty());
		assertThat(mine(marker)).singleElement().satisfies((report) -> {
			assertThat(report.executor()).isEqualTo("overriding-" + marker);
			assertThat(report.exception()).isSameAs(calls.get(3));
		});
	}

	@Test
	void exceptionsOfTheHooksThemselvesReachTheWorkerAsBefore() throws InterruptedException {
		String marker = AgentFixture.marker();
		List<Throwable> handled = new CopyOnWriteArrayList<>();
		CountDownLatch reachedHandler = new CountDownLatch(2);
		List<Runnable> ran = new CopyOnWriteArrayList<>();
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				(runnable) -> {
					Thread thread = new Thread(runnable);
					thread.setUncaughtExceptionHandler((failed, ex) -> {
						handled.add(ex);
						reachedHandler.countDown();
					});
					return thread;
				}) {

			@Override
			protected void beforeExecute(Thread thread, Runnable task) {
				if (task instanceof Throwing) {
					throw new IllegalArgumentException("before " + marker);
				}
			}

			@Override
			protected void afterExecute(Runnable task, Throwable failure) {
				if (failure == null) {
					throw new UnsupportedOperationException("after " + marker);
				}
			}

		};
		try {
			pool.execute(new Throwing(marker));
			pool.execute(() -> ran.add(null));
			assertThat(reachedHandler.await(30, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
		// The task beforeExecute refused never ran; the one afterExecute failed for did.
		// Each worker dies with its hook's exception; the second may die first.
		assertThat(handled).extracting(Throwable::getMessage)
			.containsExactlyInAnyOrder("before " + marker, "after " + marker);
		assertThat(handled).anySatisfy((ex) -> assertThat(ex).isExactlyInstanceOf(IllegalArgumentException.class))
			.anySatisfy((ex) -> assertThat(ex).isExactlyInstanceOf(UnsupportedOperationException.class));
		assertThat(ran).hasSize(1);
	}

	@Test
	void sameExceptionThrownByTwoTasksIsReportedTwice() throws InterruptedException {
		IllegalStateException shared = new IllegalStateException(AgentFixture.marker());
		CountDownLatch handled = new CountDownLatch(2);
		ExecutorService pool = Executors.newFixedThreadPool(1, (runnable) -> {
			Thread thread = new Thread(runnable);
			thread.setUncaughtExceptionHandler((failed, ex) -> handled.countDown());
			return thread;
		});
		try {
			Runnable throwing = () -> {
				throw shared;
			};
			pool.execute(throwing);
			pool.execute(throwing);
			assertThat(handled.await(30, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(this.uncaught).filteredOn((report) -> report.exception() == shared).hasSize(2);
	}

	static final class Throwing implements Runnable {

		private final String message;

		Throwing(String message) {
			this.message = message;
		}

		@Override
		public void run() {
			throw new IllegalStateException(this.message);
		}

	}

}
