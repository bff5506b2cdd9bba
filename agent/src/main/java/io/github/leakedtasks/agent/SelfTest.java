package io.github.leakedtasks.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import io.github.leakedtasks.agent.bootstrap.FutureSink;
import io.github.leakedtasks.agent.bootstrap.WorkerSlot;

/**
 * Checks at start-up that the installed hooks of {@code FutureTask} and
 * {@code ThreadPoolExecutor} fire: a hook whose bridge cannot be found throws inside its
 * advice, which swallows the error, and would miss everything silently. Plugged in as the
 * sink while it runs.
 *
 * @since 0.1.0
 */
final class SelfTest implements FutureSink {

	private final List<Object> failed = new ArrayList<>();

	private final List<Object> retrieved = new ArrayList<>();

	@Override
	public synchronized void failed(Object future, Throwable failure, Object task) {
		if (failure instanceof Probe) {
			this.failed.add(future);
		}
	}

	@Override
	public synchronized void retrieved(Object future) {
		this.retrieved.add(future);
	}

	@Override
	public synchronized void observed(Object future) {
		this.retrieved.add(future);
	}

	@Override
	public void created(Object future, Object task) {
	}

	@Override
	public void workerStarted(Object executor) {
	}

	@Override
	public void dropped(Object task, Object executor, boolean discarded) {
	}

	@Override
	public void executedOnly(Object future) {
	}

	@Override
	public boolean isExecutedOnly(Object task, Object executor) {
		return false;
	}

	@Override
	public void letGo(Object task, Object executor) {
	}

	private final List<Object> settled = new ArrayList<>();

	@Override
	public synchronized void left(Object task) {
		this.settled.add(task);
	}

	/**
	 * Return whether the settling of a {@code FutureTask} was seen by {@link #run}.
	 */
	synchronized boolean futureTasksSettle() {
		return this.settled.stream().anyMatch(FutureTask.class::isInstance);
	}

	private volatile boolean uncaughtSeen;

	private volatile boolean watchAsked;

	private volatile Object selfTestExecutor;

	@Override
	public void uncaught(Object task, Throwable failure, Object executor) {
		if (failure instanceof ProbeFailure) {
			this.uncaughtSeen = true;
		}
	}

	@Override
	public void queueEdited(Object executor, boolean done) {
	}

	@Override
	public boolean watches(WorkerSlot slot) {
		if (slot.executor() == this.selfTestExecutor) {
			this.watchAsked = true;
		}
		return false;
	}

	/**
	 * Fail, settle and retrieve a {@code FutureTask}, and run tasks on a
	 * {@code ThreadPoolExecutor}. No {@code CompletableFuture} is made: that would
	 * initialize its class, and with it the common pool, whose settings (its parallelism,
	 * its thread factory) the application's {@code main} may still make. Its hook points
	 * are checked to have matched; the {@code FutureTask} shows that hooks in
	 * {@code java.base} reach the bridge.
	 * @return what did not fire, empty if everything did
	 */
	List<String> run(boolean executeCalls) {
		List<String> silent = new ArrayList<>();
		FutureTask<Object> task = new FutureTask<>(new Failing());
		FutureHooks.letGo = true;
		try {
			task.run();
		}
		finally {
			FutureHooks.letGo = false;
		}
		if (!futureTasksSettle()) {
			silent.add("FutureTask.finishCompletion");
		}
		check(task, "FutureTask.setException", "FutureTask.get", silent, () -> {
			try {
				task.get();
			}
			catch (Exception ex) {
				// Expected: retrieving is what is tested.
			}
		});
		if (!knowsItsWorkers(executeCalls)) {
			silent.add("ThreadPoolExecutor.runWorker");
		}
		if (executeCalls && !this.watchAsked) {
			silent.add("ThreadPoolExecutor.runWorker's call of beforeExecute");
		}
		if (executeCalls && !this.uncaughtSeen) {
			silent.add("ThreadPoolExecutor.runWorker's call of afterExecute");
		}
		return silent;
	}

	/**
	 * Whether a thread of a {@code ThreadPoolExecutor} is seen to work for it, and, if
	 * its calls of {@code beforeExecute} and {@code afterExecute} were replaced, whether
	 * they reach the sink: the start of a task while watching, a plain task's failure.
	 */
	private boolean knowsItsWorkers(boolean executeCalls) {
		// Its worker waits for a task with a timeout, never untimed: an untimed wait on a
		// Condition initialises ForkJoinPool, whose common pool would then be made with
		// the
		// properties of that moment, maybe before the application's main sets its own.
		ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				(runnable) -> {
					Thread thread = new Thread(runnable, "leaked-tasks-agent-self-test");
					thread.setDaemon(true);
					thread.setUncaughtExceptionHandler((failed, ex) -> {
						// The probe's failure, expected.
					});
					return thread;
				});
		executor.allowCoreThreadTimeOut(true);
		this.selfTestExecutor = executor;
		AtomicReference<Object> seen = new AtomicReference<>();
		// Watching, for the test's length, so that the start of a task asks the sink.
		FutureHooks.watching = executeCalls;
		try {
			executor.execute(() -> seen.set(FutureHooks.currentExecutor()));
			if (executeCalls) {
				executor.execute(() -> {
					throw new ProbeFailure();
				});
			}
		}
		finally {
			executor.shutdown();
		}
		try {
			executor.awaitTermination(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			FutureHooks.watching = false;
			this.selfTestExecutor = null;
		}
		return seen.get() == executor;
	}

	private void check(Object future, String failing, String retrieving, List<String> silent, Runnable retrieve) {
		if (!seen(this.failed, future)) {
			silent.add(failing);
		}
		retrieve.run();
		if (!seen(this.retrieved, future)) {
			silent.add(retrieving);
		}
	}

	private synchronized boolean seen(List<Object> futures, Object future) {
		return futures.stream().anyMatch((candidate) -> candidate == future);
	}

	private static final class Failing implements Callable<Object> {

		@Override
		public Object call() throws Exception {
			throw new Probe();
		}

	}

	private static final class Probe extends Exception {

		Probe() {
			super("leaked-tasks agent self-test", null, false, false);
		}

	}

	private static final class ProbeFailure extends RuntimeException {

		ProbeFailure() {
			super("leaked-tasks agent self-test", null, false, false);
		}

	}

}
