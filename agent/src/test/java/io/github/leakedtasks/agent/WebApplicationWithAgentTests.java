package io.github.leakedtasks.agent;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.github.leakedtasks.tracking.LeakReport;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static io.github.leakedtasks.agent.AgentFixture.allReports;
import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * No noise: a Spring Boot web application with actuator and the starter, under traffic
 * and without bugs, reports nothing with the agent attached, although Tomcat, Spring, the
 * JDK's {@code HttpClient} and the application create and complete futures all along.
 */
@SpringBootTest(classes = WebApplicationWithAgentTests.WebApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = "management.endpoints.web.exposure.include=*")
// Closed after the class: while a context is attached to the agent's engine, the agent's
// own log is quiet, which StarterWithAgentTests checks.
@DirtiesContext
class WebApplicationWithAgentTests {

	@LocalServerPort
	int port;

	@Test
	void applicationWithoutBugsReportsNothingUnderTraffic() throws Exception {
		awaitDetectorCaughtUp();
		int before = allReports().size();
		HttpClient client = HttpClient.newHttpClient();
		List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			for (String path : List.of("/quote", "/actuator/health", "/actuator/metrics/jvm.threads.live",
					"/actuator/leaked-tasks", "/missing")) {
				HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
					.build();
				if (i % 2 == 0) {
					assertThat(client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isPositive();
				}
				else {
					pending.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
				}
			}
		}
		for (CompletableFuture<HttpResponse<String>> response : pending) {
			assertThat(response.join().statusCode()).isPositive();
		}
		awaitDetectorCaughtUp();
		List<LeakReport> during = allReports().subList(before, allReports().size());
		assertThat(during).isEmpty();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableAsync
	@Import({ QuoteController.class, QuoteService.class })
	static class WebApplication {

	}

	@RestController
	static class QuoteController {

		private final QuoteService service;

		QuoteController(QuoteService service) {
			this.service = service;
		}

		@GetMapping("/quote")
		String quote() {
			CompletableFuture<String> price = this.service.price();
			CompletableFuture<String> stock = this.service.stock().exceptionally((ex) -> "unknown");
			return price.thenCombine(stock, (p, s) -> p + " " + s).join();
		}

	}

	@Service
	static class QuoteService {

		@Async
		public CompletableFuture<String> price() {
			return CompletableFuture.completedFuture("42");
		}

		@Async
		public CompletableFuture<String> stock() {
			throw new IllegalStateException("stock service down");
		}

	}

}
