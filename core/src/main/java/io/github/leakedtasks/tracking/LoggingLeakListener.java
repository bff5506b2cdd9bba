package io.github.leakedtasks.tracking;

/**
 * Logs one line per new group of leaks, with the exception and where the task was
 * created, and one per uncaught failure of an {@code execute()} task.
 *
 * @since 0.1.0
 */
public final class LoggingLeakListener implements LeakListener {

	private final LogSink sink;

	/**
	 * Create a listener that logs through a sink.
	 * @param sink where the lines go
	 */
	public LoggingLeakListener(LogSink sink) {
		this.sink = sink;
	}

	/**
	 * Create a listener that logs through {@link System.Logger} at the given level.
	 * @param level the level
	 * @return the listener
	 */
	public static LoggingLeakListener systemLogger(System.Logger.Level level) {
		System.Logger logger = System.getLogger("io.github.leakedtasks");
		return new LoggingLeakListener((message, exception) -> logger.log(level, message, exception));
	}

	@Override
	public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
		if (newGroup) {
			String message = LeakMessages.describe(report);
			Throwable exception = report.exception();
			if (exception != null && !Exceptions.printable(exception)) {
				message = message + "\n" + Exceptions.describe(exception)
						+ " (logged without its stack trace: printing the exception throws)";
				exception = null;
			}
			this.sink.log(message, exception, new Fields(report.kind(), report.executor(), report.task(),
					report.exceptionType(), group.id(), report.traceIds()));
		}
	}

	/**
	 * Log the failure once: its handler logs the exception with its stack trace, this
	 * line says where the task came from.
	 */
	@Override
	public void onUncaught(UncaughtReport report) {
		this.sink.log(LeakMessages.describe(report), null, new Fields(LeakKind.UNCAUGHT, report.executor(),
				report.task(), report.exception().getClass().getName(), report.leakId(), report.traceIds()));
	}

	/**
	 * Where log lines go.
	 */
	@FunctionalInterface
	public interface LogSink {

		/**
		 * Log a line.
		 * @param message the message
		 * @param exception the exception to log with it, or {@code null}
		 */
		void log(String message, Throwable exception);

		/**
		 * Log a line with what it is about as fields, for structured logs; by default
		 * only the message and the exception.
		 * @param message the message
		 * @param exception the exception, or {@code null}
		 * @param fields what the line is about
		 */
		default void log(String message, Throwable exception, Fields fields) {
			log(message, exception);
		}

	}

	/**
	 * What a log line is about.
	 *
	 * @param kind the kind of report
	 * @param executor the executor's name
	 * @param task the task type
	 * @param exceptionType class name of the failure, or {@code null} for a drop
	 * @param leakId the group's id, or {@code null} if it has none
	 * @param traceIds the trace and span the task was submitted in, or {@code null}
	 */
	public record Fields(LeakKind kind, String executor, String task, String exceptionType, String leakId,
			TraceIds traceIds) {

	}

}
