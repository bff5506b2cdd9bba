package io.github.leakedtasks.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import io.github.leakedtasks.tracking.SharedTracker;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TrackingSettings;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;

/**
 * The engine the application reports through: the Java agent's when one runs, so that
 * each leak is reported once, otherwise one of its own, closed with the context.
 *
 * @since 0.1.0
 */
final class LeakedTasksEngine implements DisposableBean {

	private static final Log logger = LogFactory.getLog(LeakedTasksEngine.class);

	private final DeferredLeakListeners listeners;

	private TaskTracker tracker;

	private SharedTracker.Attachment attachment;

	LeakedTasksEngine(DeferredLeakListeners listeners) {
		this.listeners = listeners;
	}

	synchronized TaskTracker tracker(TrackingSettings settings) {
		if (this.tracker == null) {
			Optional<SharedTracker.Attachment> shared = SharedTracker.attach(this.listeners.dispatcher());
			if (shared.isPresent()) {
				this.attachment = shared.get();
				this.tracker = this.attachment.tracker();
				warnIfIgnored(settings, this.tracker.settings());
				logger.debug("Reporting through the leaked-tasks agent's engine");
			}
			else {
				this.tracker = TaskTracker.create(settings);
				this.tracker.addListener(this.listeners.dispatcher());
			}
		}
		return this.tracker;
	}

	/**
	 * Return whether the application reports through the Java agent's engine.
	 */
	synchronized boolean shared() {
		return this.attachment != null;
	}

	@Override
	public synchronized void destroy() {
		if (this.attachment != null) {
			// The agent's engine outlives the context, and logs again on its own.
			this.attachment.close();
		}
		else if (this.tracker != null) {
			this.tracker.close();
		}
	}

	private static void warnIfIgnored(TrackingSettings wanted, TrackingSettings running) {
		List<String> ignored = new ArrayList<>();
		compare(ignored, "grace-period", wanted, running, TrackingSettings::gracePeriod);
		compare(ignored, "max-groups", wanted, running, TrackingSettings::maxGroups);
		compare(ignored, "overdue-threshold", wanted, running, TrackingSettings::overdueThreshold);
		compare(ignored, "creation-trace.mode", wanted, running, TrackingSettings::traceMode);
		compare(ignored, "creation-trace.traced-tasks-per-type", wanted, running, TrackingSettings::tracedTasksPerType);
		compare(ignored, "creation-trace.sample-rate", wanted, running, TrackingSettings::sampleRate);
		compare(ignored, "creation-trace.max-depth", wanted, running, TrackingSettings::maxTraceDepth);
		if (!ignored.isEmpty()) {
			logger.warn("The leaked-tasks agent runs the engine with its own settings, so these properties of the "
					+ "application are not applied: " + String.join(", ", ignored) + ". Give them to the agent, as "
					+ "agent options or as -Dleaked-tasks.* system properties, which the application reads too.");
		}
	}

	private static void compare(List<String> ignored, String property, TrackingSettings wanted,
			TrackingSettings running, Function<TrackingSettings, Object> setting) {
		Object value = setting.apply(wanted);
		Object actual = setting.apply(running);
		if (!Objects.equals(value, actual)) {
			ignored.add("leaked-tasks." + property + "=" + value + " (the agent's: " + actual + ")");
		}
	}

}
