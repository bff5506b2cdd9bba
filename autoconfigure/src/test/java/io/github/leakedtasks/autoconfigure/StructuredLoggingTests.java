package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.github.leakedtasks.tracking.TaskTracker;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With Spring Boot's structured logging on, the starter's log lines carry what they are
 * about as fields, and the trace of the request that submitted the task.
 */
@ExtendWith(OutputCaptureExtension.class)
class StructuredLoggingTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	@ParameterizedTest
	@ValueSource(strings = { "ecs", "logstash" })
	@SuppressWarnings("unchecked")
	void lostFailureIsLoggedWithItsFieldsAndTheSubmittingTrace(String format, CapturedOutput output) {
		// A context cached by another test class leaves logging initialized; start
		// afresh.
		LoggingSystem.get(getClass().getClassLoader()).cleanUp();
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(LoggingApplication.class)
			.web(WebApplicationType.NONE)
			.properties("logging.structured.format.console=" + format, "leaked-tasks.grace-period=100ms",
					"spring.main.banner-mode=off")
			.run()) {
			if (AgentMode.attached()) {
				// The agent's engine outlives the context of the format tested before,
				// and
				// logs a failure only when it starts a new group.
				context.getBean(TaskTracker.class).clearLeaks();
			}
			SimpleTracer tracer = context.getBean(SimpleTracer.class);
			Span span = tracer.nextSpan().name("POST /orders").start();
			try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
				loseFailure(context.getBean("ordersPool", ExecutorService.class));
			}
			finally {
				span.end();
			}
			String leakId = await().atMost(Duration.ofSeconds(30)).until(() -> {
				System.gc();
				return lineWith(output, "leakId");
			}, (line) -> line != null);
			Map<String, Object> line = json.readValue(leakId, Map.class);
			assertThat(line).containsEntry("leakKind", "EXCEPTION_NOT_RETRIEVED")
				.containsEntry("executor", "ordersPool")
				.containsEntry("exceptionType", IllegalStateException.class.getName())
				.containsEntry("traceId", span.context().traceId())
				.containsEntry("spanId", span.context().spanId())
				.containsKey("leakId");
			assertThat((String) line.get("task")).startsWith(StructuredLoggingTests.class.getName());
			assertThat(line.toString()).contains("Task exception was never retrieved");
			assertThat(span.context().traceId()).isNotBlank();
		}
	}

	private static String lineWith(CapturedOutput output, String key) {
		List<String> lines = output.getOut().lines().filter((line) -> line.contains("\"" + key + "\"")).toList();
		return lines.isEmpty() ? null : lines.get(lines.size() - 1);
	}

	private static void loseFailure(ExecutorService executor) {
		Future<?> future = executor.submit(() -> {
			throw new IllegalStateException("lost");
		});
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@SpringBootApplication
	static class LoggingApplication {

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService ordersPool() {
			return Executors.newFixedThreadPool(2);
		}

		@Bean
		SimpleTracer tracer() {
			return new SimpleTracer();
		}

	}

}
