package io.github.leakedtasks.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.leakedtasks.tracking.SharedTracker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the Java agent costs on futures that succeed: each benchmark runs in a JVM without
 * the agent ({@code AgentBenchmark.*}) and in one with it
 * ({@code AgentBenchmark.WithAgent.*}, default settings), in the same run. Claim (issue
 * 14): +0 B/op on every success path, and time within 5 %. Everything is submitted from
 * an 80-frame stack. Run from the repository's root, where the agent jar is found:
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar AgentBenchmark -prof gc -rf json -rff agent.json
 * </pre>
 *
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class AgentBenchmark {

	static final int DEPTH = 80;

	static final int BURST = 50_000;

	private static final Executor CALLER_RUNS = Runnable::run;

	private ExecutorService pool;

	private Future<?>[] futures;

	private final Callable<Integer> task = () -> 42;

	private final Supplier<Integer> supplier = () -> 42;

	private final Function<Integer, Integer> increment = (value) -> value + 1;

	private final Function<Throwable, Integer> recover = (failure) -> 0;

	/** One exception for every failure: only the futures' paths are timed. */
	private static final IllegalStateException FAILURE = new IllegalStateException("benchmark");

	@Setup(Level.Trial)
	public void setUp() {
		if (SharedTracker.get().isPresent() != expectsAgent()) {
			throw new IllegalStateException("The agent is " + (expectsAgent() ? "not " : "")
					+ "running: run from the repository's root, after packaging the benchmarks module");
		}
		this.pool = Executors.newFixedThreadPool(2);
		this.futures = new Future<?>[BURST];
	}

	boolean expectsAgent() {
		return false;
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.pool.shutdownNow();
	}

	/**
	 * {@code completedFuture(x).thenApply(f).join()}: no thread hand-off, so only the
	 * hooks are timed.
	 */
	@Benchmark
	public Object completedThenApplyJoin() {
		return CompletableFuture.completedFuture(41).thenApply(this.increment).join();
	}

	/**
	 * A future failed explicitly and handled at once, on the calling thread: the agent's
	 * failure path (the look at the failing thread's stack that tells the JDK's own
	 * failures apart, the failure's record and watch, and its retrieval).
	 */
	@Benchmark
	public Object failedThenHandled() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> {
			CompletableFuture<Integer> future = new CompletableFuture<>();
			future.completeExceptionally(FAILURE);
			return future.exceptionally(this.recover).join();
		});
	}

	/**
	 * A failure handed on through two stages before it is handled, on the calling thread:
	 * the agent's path for a failure handed on.
	 */
	@Benchmark
	public Object failedChainThenHandled() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> {
			CompletableFuture<Integer> future = new CompletableFuture<>();
			CompletableFuture<Integer> last = future.thenApply(this.increment).thenApply(this.increment);
			future.completeExceptionally(FAILURE);
			return last.exceptionally(this.recover).join();
		});
	}

	/**
	 * A {@code FutureTask} made, run and read on the calling thread, as
	 * {@code AbstractExecutorService.submit} makes it: every hook of its success path
	 * (its creation, its result set, {@code get}) without the hand-off to a pool's
	 * thread, whose time varies by more than the hooks take.
	 */
	@Benchmark
	public Object futureTaskRunGetOnCaller() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> {
			FutureTask<Integer> future = new FutureTask<>(this.task);
			future.run();
			return future.get();
		});
	}

	/**
	 * {@code supplyAsync} on an executor that runs the task on the calling thread, then
	 * {@code join}: the hooks of an async task's creation, completion and retrieval.
	 */
	@Benchmark
	public Object supplyAsyncJoinOnCaller() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> CompletableFuture.supplyAsync(this.supplier, CALLER_RUNS).join());
	}

	/**
	 * The three-stage chain of {@link #chainOfThree()}, every stage on the calling
	 * thread.
	 */
	@Benchmark
	public Object chainOfThreeOnCaller() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH,
				() -> CompletableFuture.supplyAsync(this.supplier, CALLER_RUNS)
					.thenApply(this.increment)
					.thenApplyAsync(this.increment, CALLER_RUNS)
					.join());
	}

	/**
	 * {@code thenCompose} over a future still pending when it is composed, completed and
	 * read on the calling thread: the JDK relays the inner future's result to the
	 * composed one ({@code completeRelay}, which the agent hooks on entry and exit).
	 */
	@Benchmark
	public Object thenComposePendingOnCaller() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> {
			CompletableFuture<Integer> inner = new CompletableFuture<>();
			CompletableFuture<Integer> composed = CompletableFuture.completedFuture(41).thenCompose((value) -> inner);
			inner.complete(42);
			return composed.join();
		});
	}

	/**
	 * {@code submit} to a 2-thread pool, then {@code get}: a {@code FutureTask}.
	 */
	@Benchmark
	public Object submitGet() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> this.pool.submit(this.task).get());
	}

	/**
	 * {@code supplyAsync} on a 2-thread pool, then {@code join}.
	 */
	@Benchmark
	public Object supplyAsyncJoin() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> CompletableFuture.supplyAsync(this.supplier, this.pool).join());
	}

	/**
	 * {@code supplyAsync} on a 2-thread pool and two dependent stages, then {@code join}.
	 */
	@Benchmark
	public Object chainOfThree() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH,
				() -> CompletableFuture.supplyAsync(this.supplier, this.pool)
					.thenApply(this.increment)
					.thenApplyAsync(this.increment, this.pool)
					.join());
	}

	/**
	 * {@code supplyAsync} on the common pool, then {@code join}.
	 */
	@Benchmark
	public Object supplyAsyncOnCommonPoolJoin() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> CompletableFuture.supplyAsync(this.supplier).join());
	}

	/**
	 * A burst of 50,000 {@code submit}s to a 2-thread pool, then {@code get} of every
	 * future; one operation is one task.
	 */
	@Benchmark
	@OperationsPerInvocation(BURST)
	public Object burstSubmitGet() throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> Bursts.submitThenGet(this.pool, this.task, this.futures));
	}

	/**
	 * The burst of {@link #burstSubmitGet()} with the pool's two workers held until every
	 * task is submitted: the whole burst is queued before the first task runs. In the
	 * plain burst the submitting thread races the workers, and whether they keep the
	 * queue short (parking and being woken for each task) or fall behind moves a fork's
	 * time two- or threefold, in either arm; here every fork drains the same queue.
	 */
	@Benchmark
	@OperationsPerInvocation(BURST)
	public Object gatedBurstSubmitGet() throws Exception {
		CountDownLatch gate = new CountDownLatch(1);
		CountDownLatch held = new CountDownLatch(2);
		for (int i = 0; i < 2; i++) {
			this.pool.execute(() -> {
				held.countDown();
				awaitUninterruptibly(gate);
			});
		}
		awaitUninterruptibly(held);
		return TrackingBenchmark.atDepth(DEPTH,
				() -> Bursts.submitThenGet(this.pool, this.task, this.futures, gate::countDown));
	}

	/**
	 * A burst of 50,000 {@code execute}s to a one-thread
	 * {@code ScheduledThreadPoolExecutor} (whose {@code execute} the agent advises, to
	 * mark the future it makes and hands to nobody), its worker held until every task is
	 * queued, then a wait for the last; one operation is one task.
	 */
	@Benchmark
	@OperationsPerInvocation(BURST)
	public Object gatedBurstScheduledExecute(Scheduled scheduled) throws Exception {
		CountDownLatch gate = new CountDownLatch(1);
		CountDownLatch held = new CountDownLatch(1);
		scheduled.pool.execute(() -> {
			held.countDown();
			awaitUninterruptibly(gate);
		});
		awaitUninterruptibly(held);
		CountDownLatch done = new CountDownLatch(BURST);
		Runnable task = done::countDown;
		return TrackingBenchmark.atDepth(DEPTH, () -> {
			for (int i = 0; i < BURST; i++) {
				scheduled.pool.execute(task);
			}
			gate.countDown();
			awaitUninterruptibly(done);
			return done;
		});
	}

	static void awaitUninterruptibly(CountDownLatch latch) {
		boolean interrupted = false;
		while (true) {
			try {
				latch.await();
				break;
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * {@code submit} then {@code get} on a pool the agent watches for overdue tasks, as
	 * the starter has it watch executor beans: each worker notes the task it runs, and
	 * when.
	 */
	@Benchmark
	public Object watchedSubmitGet(Watched watched) throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> watched.pool.submit(this.task).get());
	}

	/**
	 * The burst of {@link #burstSubmitGet()} on a pool the agent watches for overdue
	 * tasks.
	 */
	@Benchmark
	@OperationsPerInvocation(BURST)
	public Object watchedBurstSubmitGet(Watched watched) throws Exception {
		return TrackingBenchmark.atDepth(DEPTH, () -> Bursts.submitThenGet(watched.pool, this.task, this.futures));
	}

	/**
	 * A scheduled pool of one thread.
	 */
	@State(Scope.Benchmark)
	public static class Scheduled {

		ScheduledThreadPoolExecutor pool;

		@Setup(Level.Trial)
		public void setUp() {
			this.pool = new ScheduledThreadPoolExecutor(1);
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			this.pool.shutdownNow();
		}

	}

	/**
	 * A pool the agent, when it runs, watches for overdue tasks; made only in the forks
	 * of the benchmarks that use it, since watching one pool has every worker check its
	 * slot.
	 */
	@State(Scope.Benchmark)
	public static class Watched {

		ExecutorService pool;

		@Setup(Level.Trial)
		public void setUp() {
			this.pool = Executors.newFixedThreadPool(2);
			SharedTracker.get().ifPresent((tracker) -> {
				if (!tracker.watchOverdue(this.pool)) {
					throw new IllegalStateException("The agent does not watch the pool");
				}
			});
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			this.pool.shutdownNow();
		}

	}

	/**
	 * The same benchmarks in a JVM started with the agent, found where the benchmarks
	 * module's build copies it.
	 */
	@Fork(value = 2, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-javaagent:benchmarks/target/leaked-tasks-agent.jar" })
	public static class WithAgent extends AgentBenchmark {

		@Override
		boolean expectsAgent() {
			return true;
		}

	}

	/**
	 * The same benchmarks with the agent and
	 * {@code leaked-tasks.creation-trace.mode=off}: no creation hook runs, so that the
	 * difference with {@link WithAgent} is what the default {@code sampled} mode's check
	 * at each creation costs.
	 */
	@Fork(value = 2, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-javaagent:benchmarks/target/leaked-tasks-agent.jar",
			"-Dleaked-tasks.creation-trace.mode=off" })
	public static class WithAgentTracesOff extends WithAgent {

	}

}
