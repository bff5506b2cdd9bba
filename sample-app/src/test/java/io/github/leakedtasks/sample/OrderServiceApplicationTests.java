package io.github.leakedtasks.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

import io.github.leakedtasks.test.AllowLeakedTasks;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The sample's bugs, triggered over HTTP as the README's quick start does, show up at the
 * endpoint. The suite runs with {@code leaked-tasks-test}: a test that loses a task of
 * its own fails.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class OrderServiceApplicationTests {

	@LocalServerPort
	private int port;

	@Autowired
	private NotificationService notifications;

	@Test
	void confirmationFailureIsHandedToTheCaller() {
		assertThatExceptionOfType(CompletionException.class)
			.isThrownBy(() -> this.notifications.sendConfirmation("not-an-address").join())
			.withCauseInstanceOf(IllegalArgumentException.class);
	}

	@Test
	@AllowLeakedTasks("loses a confirmation on purpose, to see it reported")
	void lostConfirmationIsSuspectedWithinSecondsThenConfirmed() throws Exception {
		Http.post(this.port, "/orders?email=not-an-address");
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(leak("NotificationService.sendConfirmation")).isNotNull());
		System.out.println(Http.get(this.port, "/actuator/leaked-tasks"));
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			System.gc();
			assertThat(leak("NotificationService.sendConfirmation")).containsEntry("status", "CONFIRMED")
				.containsEntry("executor", "notificationExecutor");
		});
		assertThat(leak("NotificationService.sendConfirmation").get("creationTrace").toString())
			.contains("io.github.leakedtasks.sample.OrderController.placeOrder(OrderController.java:");
	}

	@Test
	@AllowLeakedTasks("the sample's bug on purpose")
	void leakNamesTheTraceOfTheRequestThatSubmittedTheTask() throws Exception {
		Http.post(this.port, "/orders?email=traced-request");
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(leak("NotificationService.sendConfirmation")).isNotNull());
		Map<String, Object> leak = leak("NotificationService.sendConfirmation");
		assertThat((String) leak.get("traceId")).matches("[0-9a-f]{16}|[0-9a-f]{32}");
		assertThat((String) leak.get("spanId")).matches("[0-9a-f]{16}");
	}

	@Test
	@AllowLeakedTasks("triggers every kind of bug of the sample on purpose")
	void everyKindOfBugIsReported() throws Exception {
		Http.post(this.port, "/orders/audit?orderId=abc");
		Http.post(this.port, "/reports?count=3");
		Http.post(this.port, "/inventory/corrupt");
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			System.gc();
			List<Map<String, Object>> leaks = Http.leaks(this.port);
			assertThat(leaks).anySatisfy((leak) -> assertThat(leak).containsEntry("executor", "auditExecutor")
				.containsEntry("status", "CONFIRMED"));
			assertThat(leaks).anySatisfy((leak) -> assertThat(leak).containsEntry("executor", "reportExecutor")
				.containsEntry("kind", "DROPPED_WHILE_PENDING"));
			assertThat(leaks).anySatisfy((leak) -> assertThat(leak).containsEntry("executor", "inventoryScheduler")
				.containsEntry("status", "CONFIRMED"));
		});
		// The meters count a leak after the endpoint lists it: scraped until they show
		// it.
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(Http.get(this.port, "/actuator/prometheus"))
				.contains(
						"executor_unretrieved_tasks_total{exception=\"IllegalStateException\",name=\"auditExecutor\"}")
				.contains("executor_dropped_tasks_total{name=\"reportExecutor\"}")
				.contains("executor_overdue_tasks{name=\"auditExecutor\"}"));
	}

	private Map<String, Object> leak(String task) throws Exception {
		return Http.leaks(this.port).stream().filter((leak) -> task.equals(leak.get("task"))).findFirst().orElse(null);
	}

}
