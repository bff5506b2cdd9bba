package io.github.leakedtasks.autoconfigure;

import java.util.Map;

import io.github.leakedtasks.tracking.TaskTracker;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator/leaked-tasks} with write access granted, messages shown, and a user's
 * own path mapping.
 */
@SpringBootTest(classes = LeakedTasksEndpointWebTests.EndpointApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "leaked-tasks.grace-period=200ms", "management.endpoints.web.exposure.include=leakedtasks",
				"management.endpoint.leakedtasks.access=unrestricted", "leaked-tasks.endpoint.show-values=always",
				"management.endpoints.web.path-mapping.leakedtasks=lost-work" })
class LeakedTasksEndpointAccessTests {

	@LocalServerPort
	private int port;

	@Autowired
	private java.util.concurrent.ExecutorService ordersPool;

	@Autowired
	private TaskTracker tracker;

	@Test
	void usersPathMappingWinsMessagesAreShownAndDeleteClearsTheListButNotTheTotals() throws Exception {
		assertThat(LeakedTasksEndpointWebTests.status(this.port, "GET", "/actuator/leaked-tasks")).isEqualTo(404);
		LeakedTasksEndpointWebTests.loseFailure(this.ordersPool);
		org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.tracker.summary().totals()).isNotEmpty();
		});
		Map<String, Object> body = LeakedTasksEndpointWebTests.get(this.port, "/actuator/lost-work");
		assertThat(body.get("leaks").toString()).contains("secret=hunter2");
		assertThat(LeakedTasksEndpointWebTests.status(this.port, "DELETE", "/actuator/lost-work")).isEqualTo(204);
		body = LeakedTasksEndpointWebTests.get(this.port, "/actuator/lost-work");
		assertThat((java.util.List<?>) body.get("leaks")).isEmpty();
		assertThat(body.get("summary").toString()).contains("EXCEPTION_NOT_RETRIEVED=1");
	}

}
