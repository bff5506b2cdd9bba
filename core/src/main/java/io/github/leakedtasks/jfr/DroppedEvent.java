package io.github.leakedtasks.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A task its executor will never run.
 *
 * @since 0.1.0
 */
@Name(DroppedEvent.NAME)
@Label("Task Dropped While Pending")
@Description("The executor discarded or lost a task before it ran")
final class DroppedEvent extends FailureEvent {

	static final String NAME = "io.github.leakedtasks.Dropped";

}
