package io.github.leakedtasks.benchmarks;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.autoconfigure.LeakedTasksAutoConfiguration;
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

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * What tracking costs when tasks pile up: a burst of {@code tasks} tiny tasks submitted
 * from {@code depth} extra frames to a 2-thread pool, then every future read, as a busy
 * service builds a backlog. One operation is the whole burst: divide by {@code tasks} for
 * the cost per task.
 * <p>
 * Variants: {@code disabled} is an application context with
 * {@code leaked-tasks.enabled=false} (the baseline), {@code starter} the same context
 * with the starter's defaults ({@code sampled} traces), {@code starterOff} and
 * {@code starterAlways} with the other trace modes, {@code micrometer} the executor
 * wrapped by Micrometer's {@code ExecutorServiceMetrics.monitor}. Claim (issue 13): at
 * 50,000 tasks from 80 frames, {@code starter} costs at most 1.5 × {@code disabled} for
 * both paths.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar BurstBenchmark -prof gc -rf json -rff burst.json
 * </pre>
 *
 * @since 0.1.0
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class BurstBenchmark {

	@Param({ "disabled", "starter", "starterOff", "starterAlways", "micrometer" })
	public String variant;

	@Param({ "1000", "50000" })
	public int tasks;

	@Param({ "0", "80" })
	public int depth;

	private AnnotationConfigApplicationContext context;

	private ExecutorService pool;

	private ThreadPoolTaskExecutor taskExecutor;

	private Future<?>[] futures;

	private CompletableFuture<?>[] completables;

	private final Callable<Integer> task = () -> 42;

	@Setup(Level.Trial)
	public void setUp() {
		this.context = new AnnotationConfigApplicationContext();
		String mode = switch (this.variant) {
			case "starterOff" -> "off";
			case "starterAlways" -> "always";
			default -> "sampled";
		};
		boolean enabled = this.variant.startsWith("starter");
		this.context.getEnvironment()
			.getPropertySources()
			.addFirst(new MapPropertySource("benchmark",
					Map.of("leaked-tasks.enabled", String.valueOf(enabled), "leaked-tasks.creation-trace.mode", mode)));
		this.context.register(BurstConfiguration.class);
		this.context.refresh();
		this.pool = this.context.getBean("pool", ExecutorService.class);
		this.taskExecutor = this.context.getBean("taskExecutor", ThreadPoolTaskExecutor.class);
		if (this.variant.equals("micrometer")) {
			this.pool = ExecutorServiceMetrics.monitor(new SimpleMeterRegistry(), this.pool, "burst");
		}
		this.futures = new Future<?>[this.tasks];
		this.completables = new CompletableFuture<?>[this.tasks];
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.context.close();
	}

	/**
	 * A burst of {@code submit} on an {@code ExecutorService} bean, then {@code get} of
	 * every future.
	 */
	@Benchmark
	public long submitGet() throws Exception {
		return (long) TrackingBenchmark.atDepth(this.depth,
				() -> Bursts.submitThenGet(this.pool, this.task, this.futures));
	}

	/**
	 * A burst of {@code submitCompletable} on a {@code ThreadPoolTaskExecutor} bean, then
	 * {@code join} of every future.
	 */
	@Benchmark
	public long submitCompletableJoin() throws Exception {
		return (long) TrackingBenchmark.atDepth(this.depth,
				() -> Bursts.submitCompletableThenJoin(this.taskExecutor, this.task, this.completables));
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(LeakedTasksAutoConfiguration.class)
	static class BurstConfiguration {

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService pool() {
			return Executors.newFixedThreadPool(2);
		}

		@Bean
		ThreadPoolTaskExecutor taskExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(2);
			executor.setMaxPoolSize(2);
			return executor;
		}

	}

}
