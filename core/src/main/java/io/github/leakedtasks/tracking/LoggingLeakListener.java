package io.github.leakedtasks.tracking;

import java.util.ResourceBundle;

/**
 * Logs one line per new group of leaks (and per frame new to a group that its failures
 * were thrown at: {@code newGroup}), with the exception and where the task was created,
 * and one per uncaught failure of an {@code execute()} task.
 *
 * @since 0.1.0
 */
public final class LoggingLeakListener implements LeakListener {

	private static final String LOGGER_NAME = "io.github.leakedtasks";

	private final LogSink sink;

	/**
	 * Create a listener that logs through a sink.
	 * @param sink where the lines go
	 */
	public LoggingLeakListener(LogSink sink) {
		this.sink = sink;
	}

	/**
	 * Create a listener that logs through the {@link System.Logger} named
	 * {@code io.github.leakedtasks} at the given level. The logger is looked up on the
	 * first line logged, so that creating the listener early (in a Java agent's
	 * {@code premain}) does not start the JDK's logging before the application configures
	 * it. With the JDK's logging, a log record's source is this listener's method that
	 * logged it ({@code LoggingLeakListener onLeak}), not the sink in between.
	 * @param level the level
	 * @return the listener
	 * @throws NullPointerException if the level is {@code null}
	 */
	public static LoggingLeakListener systemLogger(System.Logger.Level level) {
		if (level == null) {
			throw new NullPointerException("level");
		}
		return new LoggingLeakListener(new SystemLoggerSink(level));
	}

	@Override
	public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
		if (newGroup) {
			String message = LeakMessages.describe(report);
			Throwable exception = report.exception();
			if (exception != null && (!Exceptions.printable(exception)
					|| (this.sink instanceof SystemLoggerSink logger && !logger.printable(exception)))) {
				message = message + "\n" + Exceptions.describe(exception)
						+ " (logged without its stack trace: printing the exception throws)";
				exception = null;
			}
			this.sink.log(message, exception, new Fields(report.kind(), report.executor(), report.task(),
					report.exceptionType(), group.id(), report.traceIds()));
		}
	}

	/**
	 * Say that the JVM is exiting. The JDK's logging closes its handlers in a shutdown
	 * hook of its own (its {@code LogManager} resets) and drops what is logged after
	 * that, so the last pass of a tracker closed as the JVM exits would log into nothing:
	 * from now on, a listener made by {@link #systemLogger} whose {@link System.Logger}
	 * is the JDK's logging writes its lines to {@code System.err} itself, in outline (the
	 * level, the message, the exception's stack trace), if its logger logs the level as
	 * this is called; nothing if it does not. A {@link System.Logger} of another
	 * framework, and a listener with any other sink, are left as they are.
	 */
	public void exiting() {
		if (this.sink instanceof SystemLoggerSink logger) {
			logger.exiting();
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
	 * Logs through {@link System.Logger}. It is one itself, delegating to the JDK's, only
	 * so that the JDK's logging, which skips the frames of {@code System.Logger} classes
	 * when it infers a record's source class and method, names the listener's method that
	 * logged: a sink of any other class would be named as the source of every line.
	 */
	private static final class SystemLoggerSink implements LogSink, System.Logger {

		/**
		 * Whether a class of exceptions overrides {@code printStackTrace(PrintWriter)}.
		 */
		private static final ClassValue<Boolean> OWN_PRINTING = new ClassValue<>() {

			@Override
			protected Boolean computeValue(Class<?> type) {
				try {
					return type.getMethod("printStackTrace", java.io.PrintWriter.class)
						.getDeclaringClass() != Throwable.class;
				}
				catch (Throwable ex) {
					return true;
				}
			}

		};

		private static final int LOGGING = 0;

		private static final int PRINTING = 1;

		private static final int SILENT = 2;

		private final System.Logger.Level level;

		private volatile System.Logger logger;

		/** How lines go: see {@link LoggingLeakListener#exiting()}. */
		private volatile int mode = LOGGING;

		SystemLoggerSink(System.Logger.Level level) {
			this.level = level;
		}

		private System.Logger logger() {
			System.Logger current = this.logger;
			if (current == null) {
				current = System.getLogger(LOGGER_NAME);
				this.logger = current;
			}
			return current;
		}

		void exiting() {
			try {
				if (System.LoggerFinder.getLoggerFinder()
					.getClass()
					.getName()
					.equals("sun.util.logging.internal.LoggingProviderImpl")) {
					this.mode = logger().isLoggable(this.level) ? PRINTING : SILENT;
				}
			}
			catch (RuntimeException | LinkageError ex) {
				// Lines go on to the logger.
			}
		}

		@Override
		public void log(String message, Throwable exception) {
			if (this.mode != LOGGING) {
				printToStandardError(message, exception);
				return;
			}
			logger().log(this.level, message, exception);
		}

		/**
		 * Print a line as the JVM exits, when the JDK's logging may have closed its
		 * handlers. The exception is printed as the JDK's formatter prints it, through
		 * {@code printStackTrace(PrintWriter)} (which {@link #printable} tried).
		 */
		private void printToStandardError(String message, Throwable exception) {
			if (this.mode == SILENT) {
				return;
			}
			java.io.PrintWriter out = new java.io.PrintWriter(System.err);
			try {
				out.println(this.level.getName() + ": " + message);
				if (exception != null) {
					exception.printStackTrace(out);
				}
			}
			finally {
				out.flush();
			}
		}

		/**
		 * Whether the JDK's logging can print the exception: its formatter calls the
		 * exception's {@code printStackTrace(PrintWriter)}, which a class may override
		 * (tried once, on nothing, where it does; other logging frameworks read the
		 * frames instead, and their sinks call no override).
		 */
		boolean printable(Throwable exception) {
			try {
				if (OWN_PRINTING.get(exception.getClass())) {
					exception.printStackTrace(new java.io.PrintWriter(java.io.Writer.nullWriter()));
				}
				return true;
			}
			catch (Throwable ex) {
				return false;
			}
		}

		@Override
		public void log(String message, Throwable exception, Fields fields) {
			if (this.mode != LOGGING) {
				printToStandardError(message, exception);
				return;
			}
			logger().log(this.level, message, exception);
		}

		@Override
		public String getName() {
			return LOGGER_NAME;
		}

		@Override
		public boolean isLoggable(System.Logger.Level level) {
			return logger().isLoggable(level);
		}

		@Override
		public void log(System.Logger.Level level, ResourceBundle bundle, String message, Throwable thrown) {
			logger().log(level, bundle, message, thrown);
		}

		@Override
		public void log(System.Logger.Level level, ResourceBundle bundle, String format, Object... parameters) {
			logger().log(level, bundle, format, parameters);
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
