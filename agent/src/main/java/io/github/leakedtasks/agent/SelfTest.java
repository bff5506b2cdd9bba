package io.github.leakedtasks.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import io.github.leakedtasks.agent.bootstrap.FutureSink;

/**
 * Checks at start-up that the installed hooks fire: a hook whose bridge cannot be found
 * throws inside its advice, which swallows the error, and would miss everything silently.
 * Plugged in as the sink while it runs.
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

	/**
	 * Return whether the end of a run of {@code CompletableFuture}'s tasks was seen by
	 * {@link #run}.
	 */
	synchronized boolean asyncTasksSettle() {
		return seenSettling("$AsyncRun") && seenSettling("$AsyncSupply");
	}

	private synchronized boolean seenSettling(String nestedType) {
		return this.settled.stream().anyMatch((task) -> task.getClass().getName().endsWith(nestedType));
	}

	@Override
	public void uncaught(Object task, Throwable failure, Object executor) {
	}

	/**
	 * Fail and retrieve a {@code CompletableFuture} and a {@code FutureTask}.
	 * @return what did not fire, empty if everything did
	 */
	List<String> run(boolean completableFutures) {
		List<String> silent = new ArrayList<>();
		if (completableFutures) {
			// Settling is reported only while a drop is watched: for the test's length.
			FutureHooks.letGo = true;
			try {
				CompletableFuture.runAsync(() -> {
				}, Runnable::run).join();
				CompletableFuture.supplyAsync(() -> null, Runnable::run).join();
			}
			finally {
				FutureHooks.letGo = false;
			}
			if (!seenSettling("$AsyncRun")) {
				silent.add("CompletableFuture$AsyncRun.run");
			}
			if (!seenSettling("$AsyncSupply")) {
				silent.add("CompletableFuture$AsyncSupply.run");
			}
		}
		CompletableFuture<Object> future = new CompletableFuture<>();
		future.completeExceptionally(new Probe());
		check(future, "CompletableFuture.completeExceptionally", "CompletableFuture.join", silent, () -> {
			try {
				future.join();
			}
			catch (RuntimeException ex) {
				// Expected: retrieving is what is tested.
			}
		});
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
		if (!knowsItsWorkers()) {
			silent.add("ThreadPoolExecutor.runWorker");
		}
		return silent;
	}

	/**
	 * Whether a thread of a {@code ThreadPoolExecutor} is seen to work for it.
	 */
	private static boolean knowsItsWorkers() {
		ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				(runnable) -> {
					Thread thread = new Thread(runnable, "leaked-tasks-agent-self-test");
					thread.setDaemon(true);
					return thread;
				});
		AtomicReference<Object> seen = new AtomicReference<>();
		try {
			executor.execute(() -> seen.set(FutureHooks.currentExecutor()));
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

}
