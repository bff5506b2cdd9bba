package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A task that fails only once the thread that will read its future waits in the future's
 * {@code get}, so that the failure is thrown to that waiting {@code get} (for
 * {@code invokeAll}, its own), never found done beforehand.
 */
final class FailsWhileAwaited implements Callable<Object> {

	private final Thread reader;

	private final String marker;

	FailsWhileAwaited(Thread reader, String marker) {
		this.reader = reader;
		this.marker = marker;
	}

	@Override
	public Object call() {
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> waitsInGet(this.reader));
		throw new IllegalStateException(this.marker);
	}

	/**
	 * An executor whose {@code invokeAll} reads its futures with {@code get}: the JDK's
	 * {@code AbstractExecutorService}'s ({@code pool}, {@code scheduled}) or the
	 * virtual-thread executor's ({@code virtual}, JDK 21+).
	 */
	static ExecutorService executor(String kind) throws Exception {
		return switch (kind) {
			case "pool" -> Executors.newFixedThreadPool(2);
			case "scheduled" -> Executors.newScheduledThreadPool(1);
			case "virtual" ->
				(ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
			default -> throw new IllegalArgumentException(kind);
		};
	}

	/**
	 * Whether the kind of {@link #executor(String)} runs on this JDK.
	 */
	static boolean runsHere(String kind) {
		return !kind.equals("virtual") || Runtime.version().feature() >= 21;
	}

	/**
	 * {@code invokeAll} one task failing while {@code invokeAll} waits for it.
	 */
	static List<Future<Object>> invokeAll(ExecutorService executor, String marker, boolean timed)
			throws InterruptedException {
		List<Callable<Object>> tasks = List.of(new FailsWhileAwaited(Thread.currentThread(), marker));
		List<Future<Object>> futures = timed ? executor.invokeAll(tasks, 60, TimeUnit.SECONDS)
				: executor.invokeAll(tasks);
		assertThat(futures).hasSize(1);
		assertThat(futures.get(0)).isDone().isNotCancelled();
		return futures;
	}

	private static boolean waitsInGet(Thread thread) {
		Thread.State state = thread.getState();
		return (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
				&& Arrays.stream(thread.getStackTrace())
					.anyMatch((frame) -> frame.getClassName().equals(FutureTask.class.getName())
							&& frame.getMethodName().equals("awaitDone"));
	}

}
