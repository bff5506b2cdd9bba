package io.github.leakedtasks.autoconfigure;

import java.security.Principal;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.actuate.LeakedTasksEndpoint;
import io.github.leakedtasks.actuate.LeakedTasksEndpoint.LeaksDescriptor;
import io.github.leakedtasks.tracking.FutureEvents;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TraceIds;
import io.github.leakedtasks.tracking.TrackingSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LeakedTasksEndpoint} invoked directly: who sees messages, and overdue
 * tasks.
 */
class LeakedTasksEndpointTests {

	private final TaskTracker tracker = TaskTracker.create(TrackingSettings.builder()
		.gracePeriod(Duration.ofMillis(100))
		.overdueThreshold(Duration.ofMillis(100))
		.build());

	private final ExecutorService pool = Executors.newFixedThreadPool(2);

	private final ExecutorService executor = this.tracker.wrap("orders", this.pool);

	private Future<Object> held;

	@AfterEach
	void close() {
		this.pool.shutdownNow();
		this.tracker.close();
	}

	@Test
	void messagesAreShownWhenAuthorizedOnlyToUsersInTheRoles() {
		this.held = this.executor.submit(() -> {
			throw new IllegalStateException("token=abc");
		});
		await().atMost(Duration.ofSeconds(30)).until(() -> !this.tracker.leaks().isEmpty());
		LeakedTasksEndpoint endpoint = new LeakedTasksEndpoint(this.tracker, Show.WHEN_AUTHORIZED, Set.of("ADMIN"));
		assertThat(message(endpoint.leaks(SecurityContext.NONE))).isEqualTo("******");
		assertThat(message(endpoint.leaks(user("USER")))).isEqualTo("******");
		assertThat(message(endpoint.leaks(user("ADMIN")))).isEqualTo("token=abc");
		assertThat(message(new LeakedTasksEndpoint(this.tracker, Show.NEVER, Set.of()).leaks(user("ADMIN"))))
			.isEqualTo("******");
	}

	@Test
	void summaryCountsTheFailuresTheJdksOwnCodeMade() {
		LeakedTasksEndpoint endpoint = new LeakedTasksEndpoint(this.tracker, Show.NEVER, Set.of());
		assertThat(endpoint.leaks(SecurityContext.NONE).summary().jdkOwnFailures()).isZero();
		// What the Java agent's source says of a future the JDK's HTTP client failed.
		new FutureEvents(this.tracker, "agent").failedByTheJdk(new Object(),
				new IllegalStateException("connect timed out"), String.class);
		assertThat(endpoint.leaks(SecurityContext.NONE).summary().jdkOwnFailures()).isOne();
		assertThat(endpoint.leaks(SecurityContext.NONE).leaks()).isEmpty();
	}

	@Test
	void leaksShowTheTraceAndSpanTheirTaskWasSubmittedInAndTheSummaryCountsLateRetrievals() throws Exception {
		this.tracker.captureTraceIds(() -> new TraceIds("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"));
		this.held = this.executor.submit(() -> {
			throw new IllegalStateException("read late");
		});
		LeakedTasksEndpoint endpoint = new LeakedTasksEndpoint(this.tracker, Show.NEVER, Set.of());
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(
					() -> assertThat(endpoint.leaks(SecurityContext.NONE).leaks()).singleElement().satisfies((leak) -> {
						assertThat(leak.status()).isEqualTo("SUSPECTED");
						assertThat(leak.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
						assertThat(leak.spanId()).isEqualTo("00f067aa0ba902b7");
					}));
		assertThat(this.held).failsWithin(Duration.ofSeconds(5));
		// The sweep counts the cleared suspicion before it replaces the suspected list.
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(endpoint.leaks(SecurityContext.NONE).summary().suspectedThenRetrieved()).isOne();
			assertThat(endpoint.leaks(SecurityContext.NONE).leaks()).isEmpty();
		});
	}

	@Test
	void overdueTasksAreListedWithStateAgeThreadAndTrace() throws InterruptedException {
		CountDownLatch release = new CountDownLatch(1);
		this.executor.submit(() -> release.await(30, TimeUnit.SECONDS));
		LeakedTasksEndpoint endpoint = new LeakedTasksEndpoint(this.tracker, Show.NEVER, Set.of());
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(endpoint.leaks(SecurityContext.NONE).overdue()).singleElement()
				.satisfies((overdue) -> {
					assertThat(overdue.executor()).isEqualTo("orders");
					assertThat(overdue.state()).isEqualTo("RUNNING");
					assertThat(Duration.parse(overdue.age())).isPositive();
					assertThat(overdue.thread()).startsWith("pool-");
					assertThat(overdue.creationTrace().get(0)).contains(getClass().getName());
				}));
		release.countDown();
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(endpoint.leaks(SecurityContext.NONE).overdue()).isEmpty());
	}

	@Test
	void exceptionWhoseMethodsThrowIsListedWithoutItsMessage() {
		this.held = this.executor.submit(() -> {
			throw new HostileException();
		});
		await().atMost(Duration.ofSeconds(30)).until(() -> !this.tracker.leaks().isEmpty());
		for (Show show : Show.values()) {
			LeakedTasksEndpoint endpoint = new LeakedTasksEndpoint(this.tracker, show, Set.of());
			assertThat(endpoint.leaks(user("ADMIN")).leaks()).singleElement().satisfies((leak) -> {
				assertThat(leak.exception().type()).isEqualTo(HostileException.class.getName());
				assertThat(leak.exception().message()).isNull();
			});
			assertThat(endpoint.leak(user("ADMIN"), this.tracker.leaks().get(0).id()).exception().stackTrace())
				.isEmpty();
		}
	}

	private static String message(LeaksDescriptor leaks) {
		return leaks.leaks().get(0).exception().message();
	}

	private static SecurityContext user(String role) {
		return new SecurityContext() {

			@Override
			public Principal getPrincipal() {
				return () -> "user";
			}

			@Override
			public boolean isUserInRole(String candidate) {
				return role.equals(candidate);
			}

		};
	}

	/**
	 * An application's exception whose methods throw.
	 */
	static class HostileException extends RuntimeException {

		@Override
		public String getMessage() {
			throw new IllegalStateException("getMessage");
		}

		@Override
		public String getLocalizedMessage() {
			throw new IllegalStateException("getLocalizedMessage");
		}

		@Override
		public StackTraceElement[] getStackTrace() {
			throw new IllegalStateException("getStackTrace");
		}

		@Override
		public String toString() {
			throw new IllegalStateException("toString");
		}

	}

}
