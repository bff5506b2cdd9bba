package io.github.leakedtasks.agent;

import java.lang.instrument.Instrumentation;
import java.util.Optional;

import io.github.leakedtasks.tracking.TaskTracker;

/**
 * The {@code -javaagent} entry point: reports failed {@code CompletableFuture}s and
 * {@code FutureTask}s collected without their failure being retrieved.
 * <p>
 * This class must not name the bridge's classes: it is linked before the bridge is on the
 * boot class path.
 *
 * @since 0.1.0
 */
public final class LeakedTasksAgent {

	private static volatile TaskTracker tracker;

	private LeakedTasksAgent() {
	}

	/**
	 * Start the agent, as {@code -javaagent} does before {@code main}.
	 * @param options the agent's options, {@code name=value} pairs separated by commas,
	 * or {@code null}
	 * @param instrumentation the JVM's instrumentation
	 */
	public static void premain(String options, Instrumentation instrumentation) {
		start(options, instrumentation);
	}

	/**
	 * Return the engine the agent reports through, for integrations and tests that add
	 * listeners or read the groups of leaks.
	 * @return the tracker, empty if the agent is not running
	 */
	public static Optional<TaskTracker> tracker() {
		return Optional.ofNullable(tracker);
	}

	private static synchronized void start(String options, Instrumentation instrumentation) {
		if (tracker != null) {
			return;
		}
		try {
			AgentSettings settings = AgentSettings.of(options, System.getProperties());
			if (!settings.unknownOptions().isEmpty()) {
				System.getLogger("io.github.leakedtasks")
					.log(System.Logger.Level.WARNING,
							"The leaked-tasks agent ignores options that are not a setting it reads, given as name=value: "
									+ String.join(", ", settings.unknownOptions()) + " (it reads "
									+ String.join(", ", AgentSettings.NAMES) + ")");
			}
			try {
				if (!settings.enabled()) {
					return;
				}
				settings.validate();
			}
			catch (IllegalArgumentException ex) {
				// A setting's own message says all: no stack trace.
				System.getLogger("io.github.leakedtasks")
					.log(System.Logger.Level.WARNING, "The leaked-tasks agent did not start, so nothing is reported: "
							+ ex.getMessage() + ". The application runs as it would without the agent");
				return;
			}
			// Byte Buddy's Nexus needs sun.misc.Unsafe, deprecated with a warning on JDK
			// 25; the agent never needs it. The jar relocates Byte Buddy, and this name
			// with it: the property is the agent's copy's alone
			// (io.github.leakedtasks.agent.shaded.bytebuddy.nexus.disabled), and it is
			// set only when the agent starts.
			if (System.getProperty("net.bytebuddy.nexus.disabled") == null) {
				System.setProperty("net.bytebuddy.nexus.disabled", "true");
			}
			Class<?> hooks = BootstrapBridge.install(instrumentation);
			tracker = AgentInstaller.install(settings, instrumentation, hooks);
		}
		catch (Throwable ex) {
			// The application starts whatever happens to the agent.
			System.getLogger("io.github.leakedtasks")
				.log(System.Logger.Level.WARNING, "The leaked-tasks agent did not start; nothing is reported", ex);
		}
	}

}
