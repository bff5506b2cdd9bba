package io.github.leakedtasks.tracking;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LeakMessages}.
 */
class LeakMessagesTests {

	@Test
	void leakWithoutTraceSaysWhyThereIsNone() {
		LeakReport report = new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "agent:CompletableFuture",
				"java.util.concurrent.CompletableFuture", new IllegalStateException("lost"), null, "(unknown)",
				Instant.now());
		assertThat(LeakMessages.describe(report)).isEqualTo("Task exception was never retrieved: executor "
				+ "'agent:CompletableFuture', task java.util.concurrent.CompletableFuture, submitted by thread "
				+ "'(unknown)'\nTask created at: (no trace captured: the task was not traced under the leaked-tasks "
				+ "creation-trace settings, or no task created this future, as with failedFuture or a "
				+ "CompletableFuture completed by the application, which the Java agent traces with "
				+ "creation-trace.mode=always)");
	}

	@Test
	void dropNamesWhatWasDropped() {
		LeakReport report = new LeakReport(LeakKind.DROPPED_WHILE_PENDING, "pool", "com.example.Task", null, null,
				"main", Instant.now());
		assertThat(LeakMessages.describe(report))
			.startsWith("Task was dropped while pending and will never run: executor 'pool', task com.example.Task, "
					+ "submitted by thread 'main'\n");
	}

}
