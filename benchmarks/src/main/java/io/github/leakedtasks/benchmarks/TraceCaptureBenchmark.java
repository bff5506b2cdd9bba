package io.github.leakedtasks.benchmarks;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import brave.Tracing;
import brave.propagation.ThreadLocalCurrentTraceContext;
import io.github.leakedtasks.tracking.CreationTraceMode;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TraceIds;
import io.github.leakedtasks.tracking.TrackingSettings;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BraveTracer;
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
 * What remembering the submitting trace costs per task: a tracked {@code submit} and
 * {@code get} on an executor that runs the task on the calling thread (so that only the
 * submitting thread's work is measured), with Micrometer Tracing's Brave bridge as Spring
 * Boot configures it. Variants: {@code untracked} (the executor as it is), {@code off}
 * (tracked, no tracer: the default without Micrometer Tracing), {@code noSpan} (tracer
 * plugged in, no span current) and {@code inSpan} (a span current, as in a request).
 * Claim: without a tracer the capture costs no byte and no measurable time; with one,
 * look-up of the current trace context and, in a span, 48 bytes per task.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar TraceCaptureBenchmark -prof gc
 * </pre>
 *
 * @since 0.1.0
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TraceCaptureBenchmark {

	@Param({ "untracked", "off", "noSpan", "inSpan" })
	public String variant;

	private TaskTracker tracker;

	private Tracing tracing;

	private Tracer.SpanInScope scope;

	private Span span;

	private ExecutorService executor;

	private final Callable<Integer> task = () -> 42;

	@Setup(Level.Trial)
	public void setUp() {
		ExecutorService onCaller = new CallerRunsExecutor();
		if (this.variant.equals("untracked")) {
			this.executor = onCaller;
			return;
		}
		// Traces off: this measures the trace ids, not the stack capture.
		this.tracker = TaskTracker.create(TrackingSettings.builder().traceMode(CreationTraceMode.OFF).build());
		this.executor = this.tracker.wrap("benchmark", onCaller);
		if (this.variant.equals("off")) {
			return;
		}
		this.tracing = Tracing.newBuilder().currentTraceContext(ThreadLocalCurrentTraceContext.create()).build();
		Tracer tracer = new BraveTracer(this.tracing.tracer(),
				new BraveCurrentTraceContext(this.tracing.currentTraceContext()));
		this.tracker.captureTraceIds(new CurrentSpanIds(tracer));
		if (this.variant.equals("inSpan")) {
			this.span = tracer.nextSpan().name("request").start();
			this.scope = tracer.withSpan(this.span);
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		if (this.scope != null) {
			this.scope.close();
			this.span.end();
		}
		if (this.tracing != null) {
			this.tracing.close();
		}
		if (this.tracker != null) {
			this.tracker.close();
		}
	}

	/**
	 * {@code submit} and {@code get} of a tiny task, run on the calling thread.
	 */
	@Benchmark
	public Object submitGetOnCaller() throws Exception {
		return this.executor.submit(this.task).get();
	}

	/**
	 * The same as the auto-configuration's source of ids (package-private there).
	 */
	private static final class CurrentSpanIds implements Supplier<TraceIds> {

		private final Tracer tracer;

		CurrentSpanIds(Tracer tracer) {
			this.tracer = tracer;
		}

		@Override
		public TraceIds get() {
			TraceContext context = this.tracer.currentTraceContext().context();
			return (context != null) ? new TraceIds(context.traceId(), context.spanId()) : null;
		}

	}

	/**
	 * Runs each task on the thread that submits it.
	 */
	private static final class CallerRunsExecutor extends AbstractExecutorService {

		private volatile boolean shutdown;

		@Override
		public void execute(Runnable command) {
			command.run();
		}

		@Override
		public void shutdown() {
			this.shutdown = true;
		}

		@Override
		public List<Runnable> shutdownNow() {
			this.shutdown = true;
			return List.of();
		}

		@Override
		public boolean isShutdown() {
			return this.shutdown;
		}

		@Override
		public boolean isTerminated() {
			return this.shutdown;
		}

		@Override
		public boolean awaitTermination(long timeout, TimeUnit unit) {
			return true;
		}

	}

}
