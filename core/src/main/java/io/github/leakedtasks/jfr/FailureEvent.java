package io.github.leakedtasks.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;

/**
 * Fields of the events of a task that failed or was lost.
 *
 * @since 0.1.0
 */
abstract class FailureEvent extends TaskEvent {

	@Label("Leak Id")
	@Description("Identifier of the group at /actuator/leaked-tasks")
	String leakId;

	@Label("Exception Type")
	@Description("Class name of the task's failure")
	String exceptionType;

	@Label("Exception Message")
	@Description("Message of the failure, only where shown (leaked-tasks.endpoint.show-values=always)")
	String exceptionMessage;

}
