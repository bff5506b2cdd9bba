package io.github.leakedtasks.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.autoconfigure.LeakedTasksAutoConfiguration;
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

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.AsyncTaskExecutor;

/**
 * Cost per task of an executor bean as the starter wraps it: the auto-configuration's
 * proxy around the engine, with the default {@code sampled} traces, against the same
 * executor unwrapped. {@link TrackingBenchmark} measures the engine alone.
 *
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class StarterBenchmark {

	@Param({ "unwrapped", "starter" })
	public String variant;

	@Param({ "0", "80" })
	public int depth;

	private AnnotationConfigApplicationContext context;

	private ExecutorService pool;

	private ExecutorService onCaller;

	private AsyncTaskExecutor completingOnCaller;

	private final Callable<Integer> task = () -> 42;

	@Setup(Level.Trial)
	public void setUp() {
		if (this.variant.equals("starter")) {
			this.context = new AnnotationConfigApplicationContext(StarterConfiguration.class);
			this.pool = this.context.getBean("pool", ExecutorService.class);
			this.onCaller = this.context.getBean("onCaller", ExecutorService.class);
			this.completingOnCaller = this.context.getBean("completingOnCaller", CallerRunsTaskExecutor.class);
		}
		else {
			this.pool = Executors.newFixedThreadPool(2);
			this.onCaller = new TrackingBenchmark.CallerRunsExecutor();
			this.completingOnCaller = new CallerRunsTaskExecutor();
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.pool.shutdownNow();
		if (this.context != null) {
			this.context.close();
		}
	}

	/**
	 * {@code submit} and {@code get} of a tiny task on a 2-thread pool.
	 */
	@Benchmark
	public Object submitGet() throws Exception {
		return TrackingBenchmark.atDepth(this.depth, () -> this.pool.submit(this.task).get());
	}

	/**
	 * The same on an executor that runs the task on the calling thread.
	 */
	@Benchmark
	public Object submitGetOnCaller() throws Exception {
		return TrackingBenchmark.atDepth(this.depth, () -> this.onCaller.submit(this.task).get());
	}

	/**
	 * {@code submitCompletable} and {@code join} of a tiny task on a Spring executor
	 * class that keeps {@link AsyncTaskExecutor}'s default method, as
	 * {@code ThreadPoolTaskExecutor} does, and runs the task on the calling thread: what
	 * the starter's class-based proxy and the engine cost per call, without a pool's
	 * hand-off.
	 */
	@Benchmark
	public Object submitCompletableJoinOnCaller() throws Exception {
		return TrackingBenchmark.atDepth(this.depth, () -> this.completingOnCaller.submitCompletable(this.task).join());
	}

	/**
	 * A Spring executor class that runs each task on the calling thread.
	 */
	public static class CallerRunsTaskExecutor implements AsyncTaskExecutor {

		@Override
		public void execute(Runnable task) {
			task.run();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(LeakedTasksAutoConfiguration.class)
	static class StarterConfiguration {

		@Bean
		ExecutorService pool() {
			return Executors.newFixedThreadPool(2);
		}

		@Bean
		ExecutorService onCaller() {
			return new TrackingBenchmark.CallerRunsExecutor();
		}

		@Bean
		CallerRunsTaskExecutor completingOnCaller() {
			return new CallerRunsTaskExecutor();
		}

	}

}
