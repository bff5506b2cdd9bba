package io.github.leakedtasks.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A task failure nobody retrieved, confirmed when its future was garbage collected.
 *
 * @since 0.1.0
 */
@Name(UnretrievedEvent.NAME)
@Label("Task Exception Never Retrieved")
@Description("A task failed and its future was garbage collected with nobody having retrieved the failure")
final class UnretrievedEvent extends FailureEvent {

	static final String NAME = "io.github.leakedtasks.Unretrieved";

}
