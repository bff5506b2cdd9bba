package io.github.leakedtasks.benchmarks;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
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

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The burst of {@link BurstBenchmark}, measured as issue 13 defines it: one JVM holds
 * both applications, the starter's defaults and {@code leaked-tasks.enabled=false}, and
 * each operation runs one burst on each, in alternating order. The secondary results
 * {@code disabledMillis} and {@code starterMillis} are the time each spent, summed over
 * the iteration: their ratio is what tracking costs under a backlog.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar AlternatingBurstBenchmark -f 3
 * # and against itself: both applications with leaked-tasks.enabled=false
 * java -jar benchmarks/target/benchmarks.jar AlternatingBurstBenchmark -f 3 -p tracked=false
 * # both applications made again before each iteration
 * java -jar benchmarks/target/benchmarks.jar AlternatingBurstBenchmark -f 3 -p freshApplications=true
 * # each pool's two workers held until the whole burst is queued
 * java -jar benchmarks/target/benchmarks.jar AlternatingBurstBenchmark -f 3 -p freshApplications=true -p gated=true
 * # against the starter's application's own executors, unwrapped (same pools, queues and workers)
 * java -jar benchmarks/target/benchmarks.jar AlternatingBurstBenchmark -f 3 -p freshApplications=true -p baseline=unwrapped
 * </pre>
 *
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms2g", "-Xmx2g" })
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 8, time = 2)
public class AlternatingBurstBenchmark {

	@Param({ "50000" })
	public int tasks;

	@Param({ "80" })
	public int depth;

	/**
	 * The starter's {@code leaked-tasks.creation-trace.mode}; its default is
	 * {@code sampled}.
	 */
	@Param({ "sampled" })
	public String mode;

	/**
	 * Whether the second application runs the starter; {@code false} makes it a second
	 * {@code leaked-tasks.enabled=false} application, so that the ratio shows what the
	 * method reads for identical code ({@code starterMillis} is then that application's
	 * time).
	 */
	@Param({ "true" })
	public boolean tracked;

	/**
	 * Whether both applications are closed and made again before each iteration, each
	 * then running one untimed burst of each kind: every iteration draws afresh whatever
	 * state of an application (its pools, their threads, where its objects lie) holds for
	 * the JVM's lifetime, so that a fork measures eight draws of it, not one.
	 */
	@Param({ "false" })
	public boolean freshApplications;

	/**
	 * Whether each pool's two workers are held by a latch, before the burst is timed,
	 * until every task of the burst is queued: every burst then drains a full queue of
	 * 50,000 tasks instead of racing the submitting thread, and the submitting loop runs
	 * alone.
	 */
	@Param({ "false" })
	public boolean gated;

	/**
	 * What the starter's bursts are compared with: {@code application}, a second
	 * application with {@code leaked-tasks.enabled=false} (issue 13's measure), or
	 * {@code unwrapped}, the executors the starter's beans wrap in the same application,
	 * called directly: the same pools, queues and worker threads, so that the ratio is
	 * not also the draw of where each application's objects lie (the results
	 * {@code disabledMillis} are then the unwrapped executors' time).
	 */
	@Param({ "application" })
	public String baseline;

	private Application disabled;

	private Application starter;

	private boolean starterFirst;

	@Setup(Level.Trial)
	public void setUp() {
		switch (this.baseline) {
			case "application" -> {
				this.disabled = new Application(false, this.tasks, this.mode);
				this.starter = new Application(this.tracked, this.tasks, this.mode);
			}
			case "unwrapped" -> {
				this.starter = new Application(this.tracked, this.tasks, this.mode);
				this.disabled = this.starter.unwrapped();
				if (this.tracked && (this.disabled.pool == this.starter.pool
						|| this.disabled.taskExecutor == this.starter.taskExecutor)) {
					this.starter.close();
					throw new IllegalStateException("The starter's executors were not found behind its beans");
				}
			}
			default -> throw new IllegalArgumentException(
					"baseline must be application or unwrapped, not '" + this.baseline + "'");
		}
	}

	@Setup(Level.Iteration)
	public void freshApplications() throws Exception {
		if (this.freshApplications) {
			tearDown();
			setUp();
			for (Application application : new Application[] { this.disabled, this.starter }) {
				application.submitGet();
				application.submitCompletableJoin();
			}
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.disabled.close();
		this.starter.close();
	}

	/**
	 * One {@code submit} + {@code get} burst on each application's
	 * {@code ExecutorService} bean.
	 */
	@Benchmark
	public long submitGet(Times times) throws Exception {
		return alternate(times, Burst.SUBMIT_GET);
	}

	/**
	 * One {@code submitCompletable} + {@code join} burst on each application's
	 * {@code ThreadPoolTaskExecutor} bean.
	 */
	@Benchmark
	public long submitCompletableJoin(Times times) throws Exception {
		return alternate(times, Burst.SUBMIT_COMPLETABLE_JOIN);
	}

	private long alternate(Times times, Burst burst) throws Exception {
		this.starterFirst = !this.starterFirst;
		Application first = this.starterFirst ? this.starter : this.disabled;
		Application second = this.starterFirst ? this.disabled : this.starter;
		return timed(times, first, burst) + timed(times, second, burst);
	}

	private long timed(Times times, Application application, Burst burst) throws Exception {
		Runnable release = this.gated ? application.holdWorkers(burst) : null;
		long start = System.nanoTime();
		long sum = (long) TrackingBenchmark.atDepth(this.depth, () -> burst.run(application, release));
		double millis = (System.nanoTime() - start) / 1e6;
		if (application == this.starter) {
			times.starterMillis += millis;
		}
		else {
			times.disabledMillis += millis;
		}
		return sum;
	}

	/**
	 * A burst on one of an application's executors.
	 */
	enum Burst {

		SUBMIT_GET {

			@Override
			long run(Application application, Runnable afterSubmitting) throws Exception {
				return application.submitGet(afterSubmitting);
			}

			@Override
			Executor executor(Application application) {
				return application.pool;
			}

		},

		SUBMIT_COMPLETABLE_JOIN {

			@Override
			long run(Application application, Runnable afterSubmitting) {
				return application.submitCompletableJoin(afterSubmitting);
			}

			@Override
			Executor executor(Application application) {
				return application.taskExecutor;
			}

		};

		/**
		 * Run the burst: submit every task, run {@code afterSubmitting} if given, then
		 * read every future.
		 */
		abstract long run(Application application, Runnable afterSubmitting) throws Exception;

		abstract Executor executor(Application application);

	}

	/**
	 * Time spent in each application's bursts, summed over an iteration.
	 */
	@State(Scope.Thread)
	@AuxCounters(AuxCounters.Type.EVENTS)
	public static class Times {

		public double disabledMillis;

		public double starterMillis;

		@Setup(Level.Iteration)
		public void reset() {
			this.disabledMillis = 0;
			this.starterMillis = 0;
		}

	}

	/**
	 * One application context of {@link BurstBenchmark.BurstConfiguration}.
	 */
	static final class Application {

		private final AnnotationConfigApplicationContext context;

		private final ExecutorService pool;

		private final ThreadPoolTaskExecutor taskExecutor;

		private final Future<?>[] futures;

		private final CompletableFuture<?>[] completables;

		private final Callable<Integer> task = () -> 42;

		/** Whether this closes the context, or is the view of another application. */
		private final boolean owner;

		Application(boolean enabled, int tasks, String mode) {
			this.owner = true;
			this.context = new AnnotationConfigApplicationContext();
			this.context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("benchmark", Map.of("leaked-tasks.enabled", String.valueOf(enabled),
						"leaked-tasks.creation-trace.mode", mode)));
			this.context.register(BurstBenchmark.BurstConfiguration.class);
			this.context.refresh();
			this.pool = this.context.getBean("pool", ExecutorService.class);
			this.taskExecutor = this.context.getBean("taskExecutor", ThreadPoolTaskExecutor.class);
			this.futures = new Future<?>[tasks];
			this.completables = new CompletableFuture<?>[tasks];
		}

		private Application(Application wrapped, ExecutorService pool, ThreadPoolTaskExecutor taskExecutor) {
			this.owner = false;
			this.context = wrapped.context;
			this.pool = pool;
			this.taskExecutor = taskExecutor;
			this.futures = new Future<?>[wrapped.futures.length];
			this.completables = new CompletableFuture<?>[wrapped.completables.length];
		}

		/**
		 * Return this application with the executors its beans wrap, if the starter
		 * wrapped them: the engine's {@code ExecutorService}, read from its
		 * {@code delegate} field, and the target of the proxy of the
		 * {@code ThreadPoolTaskExecutor}.
		 */
		Application unwrapped() {
			Object pool = AopProxyUtils.getSingletonTarget(this.pool);
			if (pool == null) {
				pool = delegate(this.pool);
			}
			Object taskExecutor = AopProxyUtils.getSingletonTarget(this.taskExecutor);
			return new Application(this, (ExecutorService) pool,
					(ThreadPoolTaskExecutor) ((taskExecutor != null) ? taskExecutor : this.taskExecutor));
		}

		private static Object delegate(Object executor) {
			for (Class<?> type = executor.getClass(); type != Object.class; type = type.getSuperclass()) {
				try {
					Field field = type.getDeclaredField("delegate");
					field.setAccessible(true);
					return field.get(executor);
				}
				catch (NoSuchFieldException ex) {
					// Declared by a superclass, if by any.
				}
				catch (IllegalAccessException ex) {
					throw new IllegalStateException(ex);
				}
			}
			return executor;
		}

		long submitGet() throws Exception {
			return submitGet(null);
		}

		long submitGet(Runnable afterSubmitting) throws Exception {
			return Bursts.submitThenGet(this.pool, this.task, this.futures, afterSubmitting);
		}

		long submitCompletableJoin() {
			return submitCompletableJoin(null);
		}

		long submitCompletableJoin(Runnable afterSubmitting) {
			return Bursts.submitCompletableThenJoin(this.taskExecutor, this.task, this.completables, afterSubmitting);
		}

		/**
		 * Hold the two workers of the pool a burst runs on until the returned action is
		 * run.
		 */
		Runnable holdWorkers(Burst burst) throws InterruptedException {
			Executor executor = burst.executor(this);
			CountDownLatch gate = new CountDownLatch(1);
			CountDownLatch held = new CountDownLatch(2);
			for (int i = 0; i < 2; i++) {
				executor.execute(() -> {
					held.countDown();
					AgentBenchmark.awaitUninterruptibly(gate);
				});
			}
			if (!held.await(1, TimeUnit.MINUTES)) {
				throw new IllegalStateException("The pool's workers were not held");
			}
			return gate::countDown;
		}

		void close() {
			if (this.owner) {
				this.context.close();
			}
		}

	}

}
