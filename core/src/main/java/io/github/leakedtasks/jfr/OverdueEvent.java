package io.github.leakedtasks.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * A task queued or running past the overdue threshold, when first found so.
 *
 * @since 0.1.0
 */
@Name(OverdueEvent.NAME)
@Label("Task Overdue")
@Description("A task has been queued or running for longer than the overdue threshold")
final class OverdueEvent extends TaskEvent {

	static final String NAME = "io.github.leakedtasks.Overdue";

	@Label("State")
	@Description("QUEUED or RUNNING")
	String state;

	@Label("Age")
	@Description("How long the task has been queued or running")
	@Timespan(Timespan.NANOSECONDS)
	long age;

	@Label("Running Thread")
	String runningThread;

}
