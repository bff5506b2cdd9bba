package io.github.leakedtasks.benchmarks;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.CreationTraceMode;
import io.github.leakedtasks.tracking.ExecutorTracking;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TrackingSettings;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost per task of tracking, against the unwrapped executor (the limit) and Micrometer's
 * {@code ExecutorServiceMetrics.monitor} wrapper (what users already accept), submitted
 * from a shallow stack and from an 80-frame stack. Claim: in the default {@code sampled}
 * mode a task costs at most 1.10 times the unwrapped executor from the deep stack, and no
 * more than Micrometer's wrapper. Run all, with allocation:
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar TrackingBenchmark -prof gc -rf json -rff benchmarks/results.json
 * </pre>
 *
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TrackingBenchmark {

	@Param({ "unwrapped", "micrometer", "off", "sampled", "always" })
	public String variant;

	@Param({ "0", "80" })
	public int depth;

	private ExecutorService pool;

	private ExecutorService executor;

	private ExecutorService onCaller;

	private ExecutorTracking tracking;

	private TaskTracker tracker;

	private final Callable<Integer> task = () -> 42;

	@Setup(Level.Trial)
	public void setUp() {
		this.pool = Executors.newFixedThreadPool(2);
		switch (this.variant) {
			case "unwrapped" -> {
				this.executor = this.pool;
				this.onCaller = new CallerRunsExecutor();
			}
			case "micrometer" -> {
				SimpleMeterRegistry registry = new SimpleMeterRegistry();
				this.executor = ExecutorServiceMetrics.monitor(registry, this.pool, "benchmark");
				this.onCaller = ExecutorServiceMetrics.monitor(registry, new CallerRunsExecutor(), "caller");
			}
			default -> {
				this.tracker = TaskTracker.create(TrackingSettings.builder()
					.traceMode(CreationTraceMode.valueOf(this.variant.toUpperCase()))
					.build());
				this.executor = this.tracker.wrap("benchmark", this.pool);
				this.onCaller = this.tracker.wrap("caller", new CallerRunsExecutor());
				this.tracking = this.tracker.executor("benchmark");
			}
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.pool.shutdownNow();
		if (this.tracker != null) {
			this.tracker.close();
		}
	}

	/**
	 * {@code submit} and {@code get} of a tiny task.
	 */
	@Benchmark
	public Object submitGet() throws Exception {
		return atDepth(this.depth, () -> this.executor.submit(this.task).get());
	}

	/**
	 * {@code submit} and {@code get} of a tiny task on an executor that runs it on the
	 * calling thread: what tracking costs the submitting thread, without the hand-off to
	 * a pool thread that dominates {@link #submitGet()}.
	 */
	@Benchmark
	public Object submitGetOnCaller() throws Exception {
		return atDepth(this.depth, () -> this.onCaller.submit(this.task).get());
	}

	/**
	 * {@code submitCompletable} and {@code join}, as an {@code @Async} method returning a
	 * {@code CompletableFuture}.
	 */
	@Benchmark
	public Object submitCompletableJoin() throws Exception {
		return atDepth(this.depth, () -> completable().join());
	}

	/**
	 * A three-stage chain on a submitted {@code CompletableFuture}.
	 */
	@Benchmark
	public Object chainOfThree() throws Exception {
		return atDepth(this.depth,
				() -> completable().thenApply((value) -> value + 1).thenApply((value) -> value * 2).join());
	}

	/**
	 * One raw stack capture, the cost {@code always} adds per task over {@code off}.
	 */
	@Benchmark
	public Object captureThrowable() throws Exception {
		return atDepth(this.depth, Throwable::new);
	}

	private CompletableFuture<Integer> completable() {
		if (this.tracking == null) {
			return CompletableFuture.supplyAsync(TrackingBenchmark::answer, this.executor);
		}
		return this.tracking.submitCompletable(this.task, null,
				(tracked) -> CompletableFuture.supplyAsync(() -> call(tracked), this.pool));
	}

	private static Integer answer() {
		return 42;
	}

	private static Integer call(Callable<Integer> callable) {
		try {
			return callable.call();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Runs each task on the thread that submits it.
	 */
	static final class CallerRunsExecutor extends AbstractExecutorService {

		@Override
		public void execute(Runnable command) {
			command.run();
		}

		@Override
		public void shutdown() {
		}

		@Override
		public List<Runnable> shutdownNow() {
			return List.of();
		}

		@Override
		public boolean isShutdown() {
			return false;
		}

		@Override
		public boolean isTerminated() {
			return false;
		}

		@Override
		public boolean awaitTermination(long timeout, TimeUnit unit) {
			return false;
		}

	}

	/**
	 * Run an action below {@code depth} extra frames, as a task submitted from deep in a
	 * web request.
	 */
	static Object atDepth(int depth, Callable<Object> action) throws Exception {
		return (depth <= 0) ? action.call() : atDepth(depth - 1, action);
	}

}
