package io.github.leakedtasks.tracking;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LoggingLeakListener}.
 */
class LoggingLeakListenerTests {

	/**
	 * An exception a logger cannot print (a {@code toString()} or {@code getCause()} that
	 * throws or recurses) is described in the line, which a logger would otherwise drop;
	 * one it can print, with a cyclic cause chain too, is handed to the logger.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "plain", "cycle", "toStringThrows", "messageThrows", "messageRecurses", "causeThrows",
			"causeToStringThrows", "suppressedToStringThrows", "stackTraceThrows" })
	void lineIsLoggedWhateverTheExceptionDoes(String kind) {
		Throwable exception = exception(kind);
		List<Object[]> logged = new ArrayList<>();
		LoggingLeakListener listener = new LoggingLeakListener(
				(message, thrown) -> logged.add(new Object[] { message, thrown }));
		LeakReport report = new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "pool", "com.example.Task", exception,
				null, "main", Instant.now());
		listener.onLeak(report, new LeakGroup("id", LeakKind.EXCEPTION_NOT_RETRIEVED, LeakStatus.CONFIRMED, "pool",
				"com.example.Task", exception.getClass().getName(), 1, Instant.now(), Instant.now(), report, null),
				true);
		assertThat(logged).hasSize(1);
		String message = (String) logged.get(0)[0];
		Throwable thrown = (Throwable) logged.get(0)[1];
		assertThat(message).startsWith("Task exception was never retrieved: executor 'pool'");
		if (kind.equals("plain") || kind.equals("cycle")) {
			assertThat(thrown).isSameAs(exception);
			// What a logger does with it.
			exception.printStackTrace(new PrintWriter(new StringWriter()));
		}
		else {
			assertThat(thrown).isNull();
			assertThat(message).contains("\n" + exception.getClass().getName())
				.endsWith("(logged without its stack trace: printing the exception throws)");
		}
	}

	/**
	 * The JDK's logging prints an exception with its
	 * {@code printStackTrace(PrintWriter)}: one whose override throws is described in the
	 * line instead (else the formatter fails, and JUL drops the line and, past its first
	 * error, says nothing). Other sinks get the exception: their frameworks read its
	 * frames, and call no override.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "printWriterThrows", "printStreamThrows", "printsItsOwnWay" })
	void systemLoggerDescribesAnExceptionWhosePrintStackTraceThrows(String kind) {
		Weird exception = new Weird(kind);
		List<LogRecord> records = logThroughTheSystemLogger(exception);
		assertThat(records).hasSize(1);
		if (kind.equals("printWriterThrows")) {
			assertThat(records.get(0).getThrown()).isNull();
			assertThat(records.get(0).getMessage())
				.endsWith("(logged without its stack trace: printing the exception throws)");
		}
		else {
			assertThat(records.get(0).getThrown()).isSameAs(exception);
		}
		List<Throwable> sunk = new ArrayList<>();
		LoggingLeakListener listener = new LoggingLeakListener((message, thrown) -> sunk.add(thrown));
		LeakReport report = new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "pool", "com.example.Task", exception,
				null, "main", Instant.now());
		listener.onLeak(report, new LeakGroup("id", LeakKind.EXCEPTION_NOT_RETRIEVED, LeakStatus.CONFIRMED, "pool",
				"com.example.Task", exception.getClass().getName(), 1, Instant.now(), Instant.now(), report, null),
				true);
		assertThat(sunk).containsExactly(exception);
	}

	private static List<LogRecord> logThroughTheSystemLogger(Throwable exception) {
		return logThroughTheSystemLogger((listener) -> {
			LeakReport report = new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "pool", "com.example.Task", exception,
					null, "main", Instant.now());
			listener.onLeak(report, new LeakGroup("id", LeakKind.EXCEPTION_NOT_RETRIEVED, LeakStatus.CONFIRMED, "pool",
					"com.example.Task", exception.getClass().getName(), 1, Instant.now(), Instant.now(), report, null),
					true);
		});
	}

	/**
	 * Log through a {@link LoggingLeakListener#systemLogger} and return the JDK's log
	 * records, each with its source inferred as a formatter would ask for it.
	 */
	private static List<LogRecord> logThroughTheSystemLogger(java.util.function.Consumer<LoggingLeakListener> logging) {
		Logger logger = Logger.getLogger("io.github.leakedtasks");
		List<LogRecord> records = new ArrayList<>();
		Handler handler = new Handler() {

			@Override
			public void publish(LogRecord record) {
				// The source is inferred from the stack on first asking, as a formatter
				// asks while the record is published.
				record.getSourceClassName();
				records.add(record);
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}

		};
		boolean parentHandlers = logger.getUseParentHandlers();
		logger.addHandler(handler);
		logger.setUseParentHandlers(false);
		try {
			logging.accept(LoggingLeakListener.systemLogger(System.Logger.Level.ERROR));
		}
		finally {
			logger.removeHandler(handler);
			logger.setUseParentHandlers(parentHandlers);
		}
		return records;
	}

	/**
	 * The JDK's logging names a record's source by walking the stack to the first frame
	 * that is not logging machinery: the line of a lost failure is said to come from the
	 * listener's {@code onLeak}, and an uncaught failure's from {@code onUncaught}, not
	 * from the sink between them and the logger, which would head every line alike.
	 */
	@Test
	void systemLoggerNamesTheListenersMethodAsTheSourceOfItsLines() {
		IllegalStateException exception = new IllegalStateException("lost");
		List<LogRecord> records = logThroughTheSystemLogger((listener) -> {
			LeakReport report = new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "pool", "com.example.Task", exception,
					null, "main", Instant.now());
			listener.onLeak(report, new LeakGroup("id", LeakKind.EXCEPTION_NOT_RETRIEVED, LeakStatus.CONFIRMED, "pool",
					"com.example.Task", exception.getClass().getName(), 1, Instant.now(), Instant.now(), report, null),
					true);
			listener.onUncaught(new UncaughtReport("pool", "com.example.Task", exception, null, "main", Instant.now(),
					UncaughtReport.Handler.THREAD));
		});
		assertThat(records).extracting(LogRecord::getSourceClassName)
			.containsExactly(LoggingLeakListener.class.getName(), LoggingLeakListener.class.getName());
		assertThat(records).extracting(LogRecord::getSourceMethodName).containsExactly("onLeak", "onUncaught");
		assertThat(records).extracting(LogRecord::getLevel)
			.containsExactly(java.util.logging.Level.SEVERE, java.util.logging.Level.SEVERE);
		assertThat(records.get(0).getThrown()).hasMessage("lost");
		assertThat(records.get(0).getMessage()).startsWith("Task exception was never retrieved: executor 'pool'");
	}

	/**
	 * As the JVM exits, the JDK's logging resets its handlers in a shutdown hook of its
	 * own and drops what is logged after: the lines go to standard error instead, unless
	 * the logger does not log their level.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { true, false })
	void systemLoggerPrintsToStandardErrorOnceTheJvmExitsIfItsLoggerLogsTheLevel(boolean loggable) {
		IllegalStateException exception = new IllegalStateException("lost");
		Logger logger = Logger.getLogger("io.github.leakedtasks");
		java.util.logging.Level level = logger.getLevel();
		java.io.PrintStream err = System.err;
		java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
		List<LogRecord> records;
		logger.setLevel(loggable ? null : java.util.logging.Level.OFF);
		System.setErr(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
		try {
			records = logThroughTheSystemLogger((listener) -> {
				listener.exiting();
				LeakReport report = new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "pool", "com.example.Task",
						exception, null, "main", Instant.now());
				listener.onLeak(report,
						new LeakGroup("id", LeakKind.EXCEPTION_NOT_RETRIEVED, LeakStatus.CONFIRMED, "pool",
								"com.example.Task", exception.getClass().getName(), 1, Instant.now(), Instant.now(),
								report, null),
						true);
			});
		}
		finally {
			System.setErr(err);
			logger.setLevel(level);
		}
		assertThat(records).isEmpty();
		String text = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
		if (loggable) {
			assertThat(text).startsWith("ERROR: Task exception was never retrieved: executor 'pool'")
				.contains("java.lang.IllegalStateException: lost")
				.contains("at " + LoggingLeakListenerTests.class.getName());
		}
		else {
			assertThat(text).isEmpty();
		}
	}

	private static Throwable exception(String kind) {
		return switch (kind) {
			case "plain" -> new IllegalStateException("plain");
			case "cycle" -> {
				IllegalStateException first = new IllegalStateException("first");
				IllegalStateException second = new IllegalStateException("second", first);
				first.initCause(second);
				yield first;
			}
			case "suppressedToStringThrows" -> {
				IllegalStateException plain = new IllegalStateException("with a suppressed one");
				plain.addSuppressed(new Weird("toStringThrows"));
				yield plain;
			}
			default -> new Weird(kind);
		};
	}

	static final class Weird extends RuntimeException {

		private final String kind;

		Weird(String kind) {
			super(kind);
			this.kind = kind;
		}

		@Override
		public String getMessage() {
			return switch (this.kind) {
				case "messageThrows" -> throw new UnsupportedOperationException("getMessage");
				case "messageRecurses" -> getMessage();
				default -> super.getMessage();
			};
		}

		@Override
		public String toString() {
			if (this.kind.equals("toStringThrows")) {
				throw new UnsupportedOperationException("toString");
			}
			return super.toString();
		}

		@Override
		public StackTraceElement[] getStackTrace() {
			if (this.kind.equals("stackTraceThrows")) {
				throw new UnsupportedOperationException("getStackTrace");
			}
			return super.getStackTrace();
		}

		@Override
		public void printStackTrace(PrintWriter writer) {
			if (this.kind.equals("printWriterThrows")) {
				throw new UnsupportedOperationException("printStackTrace");
			}
			writer.println("printed its own way");
		}

		@Override
		public void printStackTrace(java.io.PrintStream stream) {
			if (this.kind.equals("printStreamThrows")) {
				throw new UnsupportedOperationException("printStackTrace");
			}
			stream.println("printed its own way");
		}

		@Override
		public synchronized Throwable getCause() {
			return switch (this.kind) {
				case "causeThrows" -> throw new UnsupportedOperationException("getCause");
				case "causeToStringThrows" -> new Weird("toStringThrows");
				default -> super.getCause();
			};
		}

	}

}
