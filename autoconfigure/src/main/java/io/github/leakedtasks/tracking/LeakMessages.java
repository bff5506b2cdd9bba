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

	public static String describe(LeakReport report) {
		String what = (report.kind() == LeakKind.EXCEPTION_NOT_RETRIEVED) ? "Task exception was never retrieved"
				: "Task was dropped while pending and will never run";
		return render(what, report.executor(), report.task(), report.thread(), report.creationTrace());
	}

	public static String describe(UncaughtReport report) {
		return render("Task run with execute() failed; the thread's uncaught-exception handler gets the exception",
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
			message.append("Task created at: (no trace captured; see leaked-tasks creation-trace settings)");
			return message.toString();
		}
		message.append("Task created at:");
		for (StackTraceElement frame : trace.frames()) {
			message.append("\n\tat ").append(frame);
		}
		return message.toString();
	}

}
