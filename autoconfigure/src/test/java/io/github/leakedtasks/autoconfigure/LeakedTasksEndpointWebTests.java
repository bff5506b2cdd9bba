package io.github.leakedtasks.autoconfigure;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.TaskTracker;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /actuator/leaked-tasks} over HTTP, with its default settings.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = LeakedTasksEndpointWebTests.EndpointApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "leaked-tasks.grace-period=200ms",
				"management.endpoints.web.exposure.include=leakedtasks", "leaked-tasks.creation-trace.mode=always" })
class LeakedTasksEndpointWebTests {

	static final HttpClient http = HttpClient.newHttpClient();

	static final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	@Autowired
	@Qualifier("ordersPool")
	private ExecutorService orders;

	@Autowired
	@Qualifier("pricedPool")
	private ExecutorService priced;

	@Autowired
	private TaskTracker tracker;

	@BeforeEach
	void clear() {
		this.tracker.clearLeaks();
	}

	@Test
	void lostFailureIsListedWithTheDocumentedShape() throws Exception {
		loseFailure(this.orders);
		Map<String, Object> leak = awaitSingleLeak(this.port, "CONFIRMED");
		assertThat(leak).containsKeys("id", "kind", "status", "executor", "task", "exception", "creationTrace", "count",
				"firstSeen", "lastSeen", "thread");
		assertThat(leak).containsEntry("kind", "EXCEPTION_NOT_RETRIEVED").containsEntry("executor", "ordersPool");
		assertThat(leak.get("count")).isEqualTo(1);
		assertThat(leak.get("thread")).isEqualTo(Thread.currentThread().getName());
		assertThat(java.time.Instant.parse((String) leak.get("firstSeen"))).isNotNull();
		@SuppressWarnings("unchecked")
		Map<String, Object> exception = (Map<String, Object>) leak.get("exception");
		assertThat(exception).containsEntry("type", IOException.class.getName()).containsEntry("message", "******");
		@SuppressWarnings("unchecked")
		List<String> trace = (List<String>) leak.get("creationTrace");
		assertThat(trace.get(0)).startsWith(getClass().getName() + ".loseFailure(");
		Map<String, Object> body = get(this.port, "/actuator/leaked-tasks");
		assertThat(body).containsKeys("leaks", "overdue", "summary");
		assertThat(body.get("summary").toString()).contains("EXCEPTION_NOT_RETRIEVED");
		@SuppressWarnings("unchecked")
		Map<String, Object> beans = (Map<String, Object>) ((Map<String, Object>) body.get("summary")).get("beans");
		assertThat(beans).containsEntry("ordersPool", Map.of("tracked", true));
	}

	@Test
	void oneGroupIsServedByIdWithTheExceptionsStackTraceAndUnknownIdIs404() throws Exception {
		loseFailure(this.orders);
		Map<String, Object> leak = awaitSingleLeak(this.port, "CONFIRMED");
		Map<String, Object> detail = get(this.port, "/actuator/leaked-tasks/" + leak.get("id"));
		assertThat(detail.get("id")).isEqualTo(leak.get("id"));
		assertThat(detail.get("exception").toString()).contains("stackTrace");
		assertThat(status(this.port, "GET", "/actuator/leaked-tasks/0000000000000000")).isEqualTo(404);
	}

	@Test
	void suspectedFailureIsListedWithinTheGracePeriodWithoutCollection() throws Exception {
		Future<Object> held = this.orders.submit(() -> {
			throw new IOException("held");
		});
		assertThat(awaitSingleLeak(this.port, "SUSPECTED")).containsEntry("count", 1);
		assertThat(held.isDone()).isTrue();
	}

	@Test
	void startupLogsNoWarningAboutTheEndpointId(CapturedOutput output) {
		assertThat(output).contains("Started LeakedTasksEndpointWebTests")
			.doesNotContain("Endpoint ID")
			.doesNotContain("invalid characters");
	}

	@Test
	void deleteIsRefusedWithoutWriteAccess() throws Exception {
		assertThat(status(this.port, "DELETE", "/actuator/leaked-tasks")).isIn(404, 405);
	}

	/**
	 * A pool whose own {@code newTaskFor} receives the tasks submitted to it: a task of a
	 * named class reaches it as it is, untracked, and the summary says so with why. With
	 * the Java agent the pool is not wrapped and the agent tracks the futures it makes:
	 * such a task is not left untracked, and its lost failure is reported.
	 */
	@Test
	void summaryListsWhatIsLeftUntrackedWithWhy() throws Exception {
		assertThat(untracked())
			.noneSatisfy((entry) -> assertThat(entry).containsEntry("type", PricedTask.class.getName()));
		assertThat(this.priced.submit(new PricedTask()).get(30, TimeUnit.SECONDS)).isEqualTo("priced");
		assertThat(this.priced.submit(new PricedTask()).get(30, TimeUnit.SECONDS)).isEqualTo("priced");
		if (AgentMode.attached()) {
			loseUnpriced(this.priced);
			assertThat(awaitSingleLeak(this.port, "CONFIRMED")).containsEntry("executor", "pricedPool");
			assertThat(untracked())
				.noneSatisfy((entry) -> assertThat(entry).containsEntry("type", PricedTask.class.getName()))
				.noneSatisfy((entry) -> assertThat(entry).containsEntry("type", UnpricedTask.class.getName()));
			return;
		}
		assertThat(untracked()).filteredOn((entry) -> PricedTask.class.getName().equals(entry.get("type")))
			.singleElement()
			.satisfies((entry) -> assertThat(entry).containsOnlyKeys("type", "reason")
				.extractingByKey("reason", as(InstanceOfAssertFactories.STRING))
				.contains("newTaskFor"));
	}

	@SuppressWarnings("unchecked")
	private List<Map<String, Object>> untracked() throws Exception {
		Map<String, Object> summary = (Map<String, Object>) get(this.port, "/actuator/leaked-tasks").get("summary");
		return (List<Map<String, Object>>) summary.get("untracked");
	}

	static Map<String, Object> awaitSingleLeak(int port, String status) throws Exception {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(leaks(port)).singleElement()
				.satisfies((leak) -> assertThat(leak).containsEntry("status", status));
		});
		return leaks(port).get(0);
	}

	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> leaks(int port) throws Exception {
		return (List<Map<String, Object>>) get(port, "/actuator/leaked-tasks").get("leaks");
	}

	@SuppressWarnings("unchecked")
	static Map<String, Object> get(int port, String path) throws Exception {
		HttpResponse<String> response = http.send(
				HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return json.readValue(response.body(), Map.class);
	}

	static int status(int port, String method, String path) throws Exception {
		return http
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
				.method(method, HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString())
			.statusCode();
	}

	static void loseUnpriced(ExecutorService executor) {
		Future<String> future = executor.submit(new UnpricedTask());
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	static void loseFailure(ExecutorService executor) {
		Future<Object> future = executor.submit(() -> {
			throw new IOException("secret=hunter2");
		});
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@SpringBootApplication
	static class EndpointApplication {

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService ordersPool() {
			return Executors.newFixedThreadPool(2);
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService pricedPool() {
			return new PricedPool();
		}

	}

	/**
	 * A pool that makes its own futures of the tasks submitted to it.
	 */
	static final class PricedPool extends ThreadPoolExecutor {

		PricedPool() {
			super(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
		}

		@Override
		protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
			return new FutureTask<>(callable);
		}

	}

	static final class PricedTask implements Callable<String> {

		@Override
		public String call() {
			return "priced";
		}

	}

	static final class UnpricedTask implements Callable<String> {

		@Override
		public String call() throws IOException {
			throw new IOException("no price");
		}

	}

}
