package io.github.leakedtasks.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.StackTrace;

/**
 * Fields every leaked-tasks event has. The event's own stack trace would be the
 * detector's; the task's creation trace is a field instead.
 *
 * @since 0.1.0
 */
@Category("leaked-tasks")
@StackTrace(false)
abstract class TaskEvent extends Event {

	@Label("Executor")
	@Description("Name of the executor (the bean name)")
	String executor;

	@Label("Task")
	@Description("The @Async method or the task's class")
	String task;

	@Label("Submitting Thread")
	@Description("Name of the thread that submitted the task")
	String thread;

	@Label("Creation Trace")
	@Description("Frames of the submitting thread when the task was created, caller first, one per line")
	String creationTrace;

	@Label("Trace Id")
	@Description("Trace the task was submitted in, with tracing on")
	String traceId;

	@Label("Span Id")
	@Description("Span the task was submitted in, with tracing on")
	String spanId;

}
