package io.github.leakedtasks.micrometer;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.UncaughtReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts confirmed leaks and uncaught failures, and gauges overdue tasks and suspected
 * failures, per executor.
 *
 * @since 0.1.0
 */
public class LeakedTasksMetrics implements LeakListener {

	private final MeterRegistry registry;

	private final ToIntFunction<String> overdueCounts;

	private final ToIntFunction<String> suspectedCounts;

	private final Set<String> gauged = ConcurrentHashMap.newKeySet();

	/**
	 * Create the meters.
	 * @param registry the registry
	 * @param overdueCounts how many tasks of an executor are overdue, such as
	 * {@link TaskTracker#overdueCount}
	 */
	public LeakedTasksMetrics(MeterRegistry registry, ToIntFunction<String> overdueCounts) {
		this(registry, overdueCounts, null);
	}

	/**
	 * Create the meters, with the gauge of suspected failures.
	 * @param registry the registry
	 * @param overdueCounts how many tasks of an executor are overdue, such as
	 * {@link TaskTracker#overdueCount}
	 * @param suspectedCounts how many failures of an executor are suspected, such as
	 * {@link TaskTracker#suspectedCount}, or {@code null} for no such gauge
	 */
	public LeakedTasksMetrics(MeterRegistry registry, ToIntFunction<String> overdueCounts,
			ToIntFunction<String> suspectedCounts) {
		this.registry = registry;
		this.overdueCounts = overdueCounts;
		this.suspectedCounts = suspectedCounts;
	}

	@Override
	public void onExecutor(String executor) {
		if (this.gauged.add(executor)) {
			Gauge.builder(TaskMeters.OVERDUE, this, (metrics) -> metrics.overdueCounts.applyAsInt(executor))
				.description(TaskMeters.OVERDUE_DESCRIPTION)
				.baseUnit(TaskMeters.BASE_UNIT)
				.tag(TaskMeters.NAME_TAG, executor)
				.strongReference(true)
				.register(this.registry);
			if (this.suspectedCounts != null) {
				Gauge.builder(TaskMeters.SUSPECTED, this, (metrics) -> metrics.suspectedCounts.applyAsInt(executor))
					.description(TaskMeters.SUSPECTED_DESCRIPTION)
					.baseUnit(TaskMeters.BASE_UNIT)
					.tag(TaskMeters.NAME_TAG, executor)
					.strongReference(true)
					.register(this.registry);
			}
		}
	}

	@Override
	public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
		if (report.kind() == LeakKind.EXCEPTION_NOT_RETRIEVED) {
			count(TaskMeters.UNRETRIEVED, TaskMeters.UNRETRIEVED_DESCRIPTION, report.executor(), report.exception());
		}
		else {
			counter(TaskMeters.DROPPED, TaskMeters.DROPPED_DESCRIPTION, report.executor()).register(this.registry)
				.increment();
		}
	}

	@Override
	public void onUncaught(UncaughtReport report) {
		count(TaskMeters.UNCAUGHT, TaskMeters.UNCAUGHT_DESCRIPTION, report.executor(), report.exception());
	}

	private void count(String name, String description, String executor, Throwable exception) {
		counter(name, description, executor).tag(TaskMeters.EXCEPTION_TAG, simpleName(exception))
			.register(this.registry)
			.increment();
	}

	private static Counter.Builder counter(String name, String description, String executor) {
		return Counter.builder(name)
			.description(description)
			.baseUnit(TaskMeters.BASE_UNIT)
			.tag(TaskMeters.NAME_TAG, executor);
	}

	private static String simpleName(Throwable exception) {
		if (exception == null) {
			return "None";
		}
		String name = exception.getClass().getSimpleName();
		return name.isEmpty() ? exception.getClass().getName() : name;
	}

}
