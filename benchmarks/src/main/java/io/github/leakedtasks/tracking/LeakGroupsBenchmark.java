package io.github.leakedtasks.tracking;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a confirmed report costs the groups of leaks, the engine's bookkeeping of every
 * report (in the engine's package, whose groups are not public): {@code report} makes a
 * failure thrown {@code depth} frames deep and its report, {@code reportAndGroup} also
 * adds it to the groups, which may read the frame it was thrown at. The difference is the
 * grouping's cost per confirmed failure; a failure's own making is the application's.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar LeakGroupsBenchmark -prof gc
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
public class LeakGroupsBenchmark {

	@Param({ "10", "50" })
	public int depth;

	private LeakGroups groups;

	private final Instant time = Instant.now();

	@Setup(Level.Trial)
	public void setUp() {
		this.groups = new LeakGroups(500);
	}

	@Benchmark
	public LeakReport report() {
		return report(this.depth);
	}

	@Benchmark
	public Object reportAndGroup() {
		return this.groups.add(report(this.depth), LeakStatus.CONFIRMED);
	}

	private LeakReport report(int frames) {
		if (frames > 0) {
			return report(frames - 1);
		}
		return new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "orders", "task", new IllegalStateException("lost"),
				null, "main", this.time);
	}

}
