package io.github.leakedtasks.test;

import java.time.Duration;

import io.github.leakedtasks.tracking.TaskScope;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * JUnit Platform listener, registered through {@code META-INF/services}, that has every
 * open tracker make, once all tests ran, the pass it makes when the JVM exits: what one
 * collection then proves lost (a failure of a test marked {@link AllowLeakedTasks}, or
 * one that arrived after its class ended, whose future nobody holds any more) is logged
 * while the build tool still reads the test JVM's output. Maven Surefire and Failsafe
 * stop reading a forked JVM's output before its shutdown hooks run, where the Java
 * agent's tracker and a cached Spring test context's would otherwise log it unheard.
 * Without a tracker it does nothing; with nothing at stake it costs each tracker a sweep,
 * and no collection. It can be turned off as any listener can, with the configuration
 * parameter {@code junit.platform.execution.listeners.deactivate}.
 *
 * @since 0.1.0
 */
public class CheckAtTestPlanEnd implements TestExecutionListener {

	/** How long the end of a test plan waits for the trackers' passes at most. */
	static final Duration TIMEOUT = Duration.ofSeconds(5);

	/**
	 * Create the listener; the JUnit Platform launcher does.
	 */
	public CheckAtTestPlanEnd() {
	}

	@Override
	public void testPlanExecutionFinished(TestPlan testPlan) {
		if (TaskScope.anyTracker()) {
			TaskScope.checkTrackersNow(TIMEOUT);
		}
	}

}
