package io.github.leakedtasks.autoconfigure;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LoggingLeakListener.Fields;
import io.github.leakedtasks.tracking.TraceIds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.boot.logging.LogLevel;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Slf4jLogSink}: fields as key-value pairs, the submitting trace in the
 * MDC for the line only.
 */
class Slf4jLogSinkTests {

	private static final String LOGGER = "io.github.leakedtasks.sinktest";

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	private final Logger logger = (Logger) LoggerFactory.getLogger(LOGGER);

	Slf4jLogSinkTests() {
		this.appender.start();
		this.logger.addAppender(this.appender);
	}

	@AfterEach
	void detach() {
		this.logger.detachAppender(this.appender);
		MDC.clear();
	}

	@Test
	void lineCarriesFieldsAsKeyValuePairsAndTheTraceInTheMdcWhichIsRestoredAfter() {
		MDC.put(Slf4jLogSink.TRACE_ID, "the-detector's-own");
		new Slf4jLogSink(LOGGER, LogLevel.ERROR).log("lost", new IllegalStateException("boom"),
				new Fields(LeakKind.EXCEPTION_NOT_RETRIEVED, "orders", "Orders.place",
						"java.lang.IllegalStateException", "1c286da9c8d62b1d",
						new TraceIds("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")));
		assertThat(this.appender.list).singleElement().satisfies((event) -> {
			assertThat(event.getLevel()).hasToString("ERROR");
			assertThat(event.getFormattedMessage()).isEqualTo("lost");
			assertThat(event.getThrowableProxy().getMessage()).isEqualTo("boom");
			assertThat(event.getMDCPropertyMap()).containsEntry("traceId", "4bf92f3577b34da6a3ce929d0e0e4736")
				.containsEntry("spanId", "00f067aa0ba902b7");
			assertThat(event.getKeyValuePairs()).extracting((pair) -> pair.key + "=" + pair.value)
				.containsExactly("leakKind=EXCEPTION_NOT_RETRIEVED", "executor=orders", "task=Orders.place",
						"exceptionType=java.lang.IllegalStateException", "leakId=1c286da9c8d62b1d");
		});
		assertThat(MDC.get(Slf4jLogSink.TRACE_ID)).isEqualTo("the-detector's-own");
		assertThat(MDC.get(Slf4jLogSink.SPAN_ID)).isNull();
	}

	@Test
	void lineWithoutTraceLeavesTheMdcAlone() {
		new Slf4jLogSink(LOGGER, LogLevel.WARN).log("dropped", null,
				new Fields(LeakKind.DROPPED_WHILE_PENDING, "reports", "Report", null, "abc", null));
		assertThat(this.appender.list).singleElement().satisfies((event) -> {
			assertThat(event.getLevel()).hasToString("WARN");
			assertThat(event.getMDCPropertyMap()).doesNotContainKey("traceId");
			assertThat(event.getKeyValuePairs()).extracting((pair) -> pair.key)
				.containsExactly("leakKind", "executor", "task", "leakId");
		});
	}

	@Test
	void offLogsNothing() {
		new Slf4jLogSink(LOGGER, LogLevel.OFF).log("nothing", null);
		assertThat(this.appender.list).isEmpty();
	}

}
