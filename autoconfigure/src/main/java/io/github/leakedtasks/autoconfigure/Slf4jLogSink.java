package io.github.leakedtasks.autoconfigure;

import io.github.leakedtasks.tracking.LoggingLeakListener.Fields;
import io.github.leakedtasks.tracking.LoggingLeakListener.LogSink;
import io.github.leakedtasks.tracking.TraceIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

import org.springframework.boot.logging.LogLevel;

/**
 * Writes the starter's log lines through SLF4J with what they are about as key-value
 * pairs, which Spring Boot's structured logging formats (ECS, Logstash, GELF) render as
 * fields, and the submitting request's trace and span in the MDC, as for any log line of
 * that request.
 *
 * @since 0.1.0
 */
final class Slf4jLogSink implements LogSink {

	/**
	 * MDC keys of Micrometer Tracing, which Spring Boot's log pattern and structured
	 * formats show.
	 */
	static final String TRACE_ID = "traceId";

	static final String SPAN_ID = "spanId";

	static final String KIND = "leakKind";

	static final String EXECUTOR = "executor";

	static final String TASK = "task";

	static final String EXCEPTION_TYPE = "exceptionType";

	static final String LEAK_ID = "leakId";

	private final Logger logger;

	private final Level level;

	Slf4jLogSink(String loggerName, LogLevel level) {
		this.logger = LoggerFactory.getLogger(loggerName);
		this.level = switch (level) {
			case TRACE -> Level.TRACE;
			case DEBUG -> Level.DEBUG;
			case INFO -> Level.INFO;
			case WARN -> Level.WARN;
			case ERROR, FATAL -> Level.ERROR;
			case OFF -> null;
		};
	}

	@Override
	public void log(String message, Throwable exception) {
		log(message, exception, null);
	}

	@Override
	public void log(String message, Throwable exception, Fields fields) {
		if (this.level == null || !this.logger.isEnabledForLevel(this.level)) {
			return;
		}
		LoggingEventBuilder event = this.logger.atLevel(this.level).setMessage(message).setCause(exception);
		TraceIds traceIds = null;
		if (fields != null) {
			add(event, KIND, fields.kind().name());
			add(event, EXECUTOR, fields.executor());
			add(event, TASK, fields.task());
			add(event, EXCEPTION_TYPE, fields.exceptionType());
			add(event, LEAK_ID, fields.leakId());
			traceIds = fields.traceIds();
		}
		if (traceIds == null) {
			event.log();
			return;
		}
		// The line is written on the detector's thread or a pool thread: the request's
		// trace is put in the MDC for this line only, and what was there is put back.
		String previousTrace = MDC.get(TRACE_ID);
		String previousSpan = MDC.get(SPAN_ID);
		MDC.put(TRACE_ID, traceIds.traceId());
		MDC.put(SPAN_ID, traceIds.spanId());
		try {
			event.log();
		}
		finally {
			restore(TRACE_ID, previousTrace);
			restore(SPAN_ID, previousSpan);
		}
	}

	private static void add(LoggingEventBuilder event, String key, String value) {
		if (value != null) {
			event.addKeyValue(key, value);
		}
	}

	private static void restore(String key, String previous) {
		if (previous != null) {
			MDC.put(key, previous);
		}
		else {
			MDC.remove(key);
		}
	}

}
