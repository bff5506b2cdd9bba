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
			this.sink.log(LeakMessages.describe(report), report.exception());
		}
	}

	/**
	 * Log the failure once: its handler logs the exception with its stack trace, this
	 * line says where the task came from.
	 */
	@Override
	public void onUncaught(UncaughtReport report) {
		this.sink.log(LeakMessages.describe(report), null);
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

	}

}
