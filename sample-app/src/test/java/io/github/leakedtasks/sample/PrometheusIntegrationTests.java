package io.github.leakedtasks.sample;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.test.AllowLeakedTasks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The meters as Prometheus sees them: {@code promtool} lints the scrape, the shipped
 * rules and configuration, and a real Prometheus server on loopback scrapes the
 * application. Skipped, saying so, where Debian's {@code prometheus} package is not
 * installed ({@code .ci/run} installs it).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AllowLeakedTasks("loses failures on purpose, for the meters to count")
class PrometheusIntegrationTests {

	private static final Path SAMPLE_DIR = Path.of(System.getProperty("user.dir"));

	@LocalServerPort
	private int port;

	@Autowired
	@Qualifier("auditExecutor")
	private ExecutorService auditExecutor;

	@Test
	void promtoolFindsNothingWrongWithOurMeters() throws Exception {
		requireBinary("promtool");
		loseAuditFailure();
		String scrape = Http.get(this.port, "/actuator/prometheus");
		assertThat(scrape).contains("executor_unretrieved_tasks_total",
				"executor_suspected_tasks{name=\"auditExecutor\"}");
		ProcessResult result = run(scrape, "promtool", "check", "metrics");
		List<String> ours = result.output()
			.lines()
			.filter((line) -> line.matches(".*executor_(unretrieved|dropped|uncaught|overdue|suspected).*"))
			.toList();
		assertThat(ours).as(result.output()).isEmpty();
	}

	@Test
	void shippedRulesAndConfigurationPassPromtool() throws Exception {
		requireBinary("promtool");
		ProcessResult rules = run(null, "promtool", "check", "rules",
				SAMPLE_DIR.resolve("leaked-tasks.rules.yml").toString());
		assertThat(rules.exitCode()).as(rules.output()).isZero();
		assertThat(rules.output()).contains("SUCCESS: 5 rules found");
		ProcessResult ruleTests = run(null, "promtool", "test", "rules",
				SAMPLE_DIR.resolve("leaked-tasks.rules.test.yml").toString());
		assertThat(ruleTests.exitCode()).as(ruleTests.output()).isZero();
		ProcessResult config = run(null, "promtool", "check", "config",
				SAMPLE_DIR.resolve("prometheus.yml").toString());
		assertThat(config.exitCode()).as(config.output()).isZero();
	}

	@Test
	@SuppressWarnings("unchecked")
	void shippedGrafanaDashboardQueriesOurMeters() throws Exception {
		Map<String, Object> dashboard = JsonMapper.builder()
			.build()
			.readValue(SAMPLE_DIR.resolve("grafana-dashboard.json").toFile(), Map.class);
		String queries = dashboard.get("panels").toString();
		assertThat(queries).contains("executor_unretrieved_tasks_total", "executor_dropped_tasks_total",
				"executor_uncaught_tasks_total", "executor_overdue_tasks", "executor_suspected_tasks");
	}

	@Test
	void suspectedGaugeShowsAnUnreadFailureWithoutAnyCollectionAndFallsWhenItIsRead() throws Exception {
		// The future is held, so that no collection can confirm it before it is
		// suspected.
		Future<Object> held = this.auditExecutor.submit(() -> {
			throw new IllegalStateException("read late");
		});
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(Http.get(this.port, "/actuator/prometheus"))
				.containsPattern("executor_suspected_tasks\\{name=\"auditExecutor\"\\} [1-9]"));
		assertThat(held).failsWithin(Duration.ofSeconds(30));
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(Http.get(this.port, "/actuator/prometheus"))
				.containsPattern("executor_suspected_tasks\\{name=\"auditExecutor\"\\} 0"));
	}

	@Test
	void realPrometheusServerScrapesTheUnretrievedCounter(@TempDir Path dir) throws Exception {
		requireBinary("prometheus");
		loseAuditFailure();
		String config = Files.readString(SAMPLE_DIR.resolve("prometheus.yml"))
			.replace("scrape_interval: 15s", "scrape_interval: 1s")
			.replace("localhost:8080", "127.0.0.1:" + this.port);
		Files.writeString(dir.resolve("prometheus.yml"), config);
		Files.copy(SAMPLE_DIR.resolve("leaked-tasks.rules.yml"), dir.resolve("leaked-tasks.rules.yml"));
		int prometheusPort = freePort();
		Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
				"--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("prometheus.log").toFile())
			.start();
		try {
			await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
				String body = Http.get(prometheusPort,
						"/api/v1/query?query=executor_unretrieved_tasks_total%7Bname%3D%22auditExecutor%22%7D");
				assertThat(body).contains("\"status\":\"success\"").contains("\"name\":\"auditExecutor\"");
			});
		}
		finally {
			prometheus.destroy();
			if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
				prometheus.destroyForcibly();
			}
		}
	}

	private void loseAuditFailure() throws Exception {
		Http.post(this.port, "/orders/audit?orderId=not-a-number");
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			System.gc();
			assertThat(Http.get(this.port, "/actuator/prometheus")).contains(
					"executor_unretrieved_tasks_total{exception=\"IllegalStateException\",name=\"auditExecutor\"}");
		});
	}

	private static void requireBinary(String name) {
		boolean present = System.getenv("PATH") != null && List.of(System.getenv("PATH").split(File.pathSeparator))
			.stream()
			.anyMatch((directory) -> Files.isExecutable(Path.of(directory, name)));
		Assumptions.assumeTrue(present,
				() -> "Skipped: '" + name + "' is not installed (Debian package 'prometheus'; .ci/run installs it)");
	}

	private static ProcessResult run(String input, String... command) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		if (input != null) {
			process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
		}
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		return new ProcessResult(process.exitValue(), output);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	record ProcessResult(int exitCode, String output) {
	}

}
