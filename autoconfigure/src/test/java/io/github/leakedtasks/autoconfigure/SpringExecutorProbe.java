package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A bean beside the executor under test that sees what the application would: failures
 * that reach a thread's uncaught exception handler or an {@code ErrorHandler}, and the
 * tasks a {@link TaskDecorator} was given.
 */
final class SpringExecutorProbe implements DisposableBean {

	static final String PREFIX = "suite-";

	static final Duration TIMEOUT = Duration.ofSeconds(30);

	final List<Throwable> failures = new CopyOnWriteArrayList<>();

	final List<Object> decorated = new CopyOnWriteArrayList<>();

	private volatile ExecutorService pool;

	ThreadFactory threadFactory(String prefix) {
		return new CustomizableThreadFactory(prefix) {

			@Override
			public Thread createThread(Runnable runnable) {
				Thread thread = super.createThread(runnable);
				thread.setUncaughtExceptionHandler((failed, ex) -> SpringExecutorProbe.this.failures.add(ex));
				return thread;
			}

		};
	}

	TaskDecorator decorator() {
		return (runnable) -> {
			this.decorated.add(runnable);
			return runnable;
		};
	}

	void failed(Throwable ex) {
		this.failures.add(ex);
	}

	<T extends ExecutorService> T pool(T pool) {
		this.pool = pool;
		return pool;
	}

	/**
	 * Shut the pool behind a {@code ConcurrentTaskExecutor} down as Spring's own
	 * {@code ConcurrentTaskExecutorTests} do: nothing else would.
	 */
	void shutdownPool() {
		for (Runnable task : this.pool.shutdownNow()) {
			if (task instanceof Future<?> future) {
				future.cancel(true);
			}
		}
	}

	void awaitFailures(int count) {
		await().atMost(TIMEOUT).until(() -> this.failures.size() >= count);
	}

	Throwable awaitFailure() {
		await().atMost(TIMEOUT).until(() -> !this.failures.isEmpty());
		return this.failures.get(0);
	}

	@Override
	public void destroy() {
		if (this.pool != null) {
			this.pool.shutdownNow();
		}
	}

	/**
	 * A task that succeeds with the name of its thread, fails, or blocks until released
	 * or interrupted.
	 */
	static final class Task implements Runnable, Callable<String> {

		private final String name;

		private final boolean fails;

		private final boolean blocks;

		final CountDownLatch started = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		final CountDownLatch interrupted = new CountDownLatch(1);

		final CountDownLatch done = new CountDownLatch(1);

		volatile RuntimeException thrown;

		volatile String thread;

		private Task(String name, boolean fails, boolean blocks) {
			this.name = name;
			this.fails = fails;
			this.blocks = blocks;
		}

		static Task succeeding(String name) {
			return new Task(name, false, false);
		}

		static Task failing(String name) {
			return new Task(name, true, false);
		}

		static Task blocking(String name) {
			return new Task(name, false, true);
		}

		@Override
		public void run() {
			call();
		}

		@Override
		public String call() {
			this.thread = Thread.currentThread().getName();
			this.started.countDown();
			try {
				if (this.blocks && !this.release.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
					return "never released";
				}
				if (this.fails) {
					this.thrown = new IllegalStateException(this.name + " failed on " + this.thread);
					throw this.thrown;
				}
				return this.thread;
			}
			catch (InterruptedException ex) {
				this.interrupted.countDown();
				return "interrupted";
			}
			finally {
				this.done.countDown();
			}
		}

		String awaitThread() throws InterruptedException {
			assertThat(this.done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("%s ran", this.name).isTrue();
			return this.thread;
		}

		void awaitStarted() throws InterruptedException {
			assertThat(this.started.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("%s started", this.name).isTrue();
		}

		void awaitInterrupted() throws InterruptedException {
			assertThat(this.interrupted.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("%s interrupted", this.name)
				.isTrue();
		}

		@Override
		public String toString() {
			return "task " + this.name;
		}

	}

	/**
	 * A call made on a thread of its own, so that a test can see it wait for tasks.
	 */
	static final class Call {

		private final FutureTask<Object> result;

		private final Thread thread;

		private Call(String name, Action action) {
			this.result = new FutureTask<>(() -> {
				action.run();
				return "returned";
			});
			this.thread = new Thread(this.result, name);
			this.thread.start();
		}

		static Call start(String name, Action action) {
			return new Call(name, action);
		}

		/**
		 * Wait until the call waits, as it does for a task that cannot complete.
		 */
		void awaitWaiting() {
			await().atMost(TIMEOUT)
				.until(() -> this.thread.getState() == Thread.State.WAITING
						|| this.thread.getState() == Thread.State.TIMED_WAITING);
		}

		boolean isDone() {
			return this.result.isDone();
		}

		/**
		 * Wait for the call to end.
		 * @return "returned", or what it threw
		 */
		String awaitOutcome() {
			try {
				return (String) this.result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			}
			catch (ExecutionException ex) {
				return Differential.describe(ex.getCause());
			}
			catch (InterruptedException | TimeoutException ex) {
				throw new IllegalStateException("Call '" + this.thread.getName() + "' did not end", ex);
			}
		}

		@FunctionalInterface
		interface Action {

			void run() throws Exception;

		}

	}

}
