package io.github.leakedtasks.tracking;

/**
 * Renders reports as log messages in the manner of asyncio's "Task exception was never
 * retrieved".
 *
 * @since 0.1.0
 */
public final class LeakMessages {

	private LeakMessages() {
	}

	/**
	 * Describe a leak: what was lost, by which executor and task, and where the task was
	 * created.
	 * @param report the leak
	 * @return the message
	 */
	public static String describe(LeakReport report) {
		String what = (report.kind() == LeakKind.EXCEPTION_NOT_RETRIEVED) ? "Task exception was never retrieved"
				: "Task was dropped while pending and will never run";
		return render(what, report.executor(), report.task(), report.thread(), report.creationTrace());
	}

	/**
	 * Describe a failure that went to a handler, which logs it too: the message says what
	 * that handler's line lacks (executor, task, creation trace) and names the failure
	 * without its stack trace.
	 * @param report the failure
	 * @return the message
	 */
	public static String describe(UncaughtReport report) {
		String handler = (report.handler() == UncaughtReport.Handler.INTEGRATION)
				? "the integration's exception handler (for a void @Async method: the AsyncUncaughtExceptionHandler)"
				: "the thread's uncaught-exception handler";
		return render(
				"Task failed (" + Exceptions.describe(report.exception()) + "); " + handler + " received the exception",
				report.executor(), report.task(), report.thread(), report.creationTrace());
	}

	private static String render(String what, String executor, String task, String thread, CreationTrace trace) {
		StringBuilder message = new StringBuilder(what).append(": executor '")
			.append(executor)
			.append("', task ")
			.append(task)
			.append(", submitted by thread '")
			.append(thread)
			.append("'\n");
		if (trace == null) {
			message.append("Task created at: (no trace captured: the task was not traced under the leaked-tasks "
					+ "creation-trace settings, or no task created this future, as with failedFuture or a "
					+ "CompletableFuture completed by the application, which the Java agent traces with "
					+ "creation-trace.mode=always)");
			return message.toString();
		}
		message.append("Task created at:");
		for (StackTraceElement frame : trace.frames()) {
			message.append("\n\tat ").append(frame);
		}
		return message.toString();
	}

}
