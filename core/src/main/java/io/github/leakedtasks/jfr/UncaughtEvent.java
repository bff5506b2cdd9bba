package io.github.leakedtasks.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A task without a future that failed: its failure went to a handler.
 *
 * @since 0.1.0
 */
@Name(UncaughtEvent.NAME)
@Label("Task Failed Uncaught")
@Description("A task run with execute() or a void @Async method failed; its failure went to the uncaught-exception "
		+ "handler")
final class UncaughtEvent extends FailureEvent {

	static final String NAME = "io.github.leakedtasks.Uncaught";

}
