package io.github.leakedtasks.test;

import java.util.concurrent.ExecutorService;

import io.github.leakedtasks.tracking.TaskTracker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A test method a test class inherits, declared in a class of its own, as a shared base
 * test class is.
 */
abstract class InheritedCasesBase {

	static final TaskTracker tracker = Cases.tracker();

	static final ExecutorService pool = Cases.pool(tracker);

	@AfterAll
	static void stop() {
		pool.shutdownNow();
		tracker.close();
	}

	@Test
	void leaksFromTheBase() {
		Cases.loseFailure(pool, "boom inherited");
	}

}
