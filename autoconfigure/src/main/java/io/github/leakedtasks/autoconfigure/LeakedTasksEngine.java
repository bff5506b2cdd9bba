package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import io.github.leakedtasks.tracking.SharedTracker;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TrackingSettings;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.bind.BindResult;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The engine the application reports through: the Java agent's when one runs, so that
 * each leak is reported once, otherwise one of its own, closed with the context.
 *
 * @since 0.1.0
 */
final class LeakedTasksEngine implements SmartInitializingSingleton, DisposableBean {

	private static final Log logger = LogFactory.getLog(LeakedTasksEngine.class);

	/** The units of a duration property, largest first, with their suffixes. */
	private static final Map<ChronoUnit, String> DURATION_UNITS = durationUnits();

	private final DeferredLeakListeners listeners;

	private final Environment environment;

	private TaskTracker tracker;

	private boolean shared;

	private SharedTracker.Attachment attachment;

	LeakedTasksEngine(DeferredLeakListeners listeners, Environment environment) {
		this.listeners = listeners;
		this.environment = environment;
	}

	synchronized TaskTracker tracker(TrackingSettings settings) {
		if (this.tracker == null) {
			Optional<TaskTracker> agents = agentsEngine();
			if (agents.isPresent()) {
				this.tracker = agents.get();
				this.shared = true;
				warnIfIgnored(settings, this.tracker.settings());
				// Reports made while the context starts are held for its listeners
				// (meters, log), as with an engine of its own.
				attach();
				logger.debug("Reporting through the leaked-tasks agent's engine");
			}
			else {
				this.tracker = TaskTracker.create(settings);
				this.tracker.addListener(this.listeners.dispatcher());
			}
			this.tracker.lookInsideTasks(SpringTasks::inner);
		}
		return this.tracker;
	}

	/**
	 * Take over the agent's reports, if no executor bean did while the context started.
	 * Reports held for a context that fails to start are handed back (see
	 * {@link #destroy()}), so none is lost with it.
	 */
	@Override
	public synchronized void afterSingletonsInstantiated() {
		if (this.tracker == null) {
			// No executor bean needed the engine: the endpoint and meters still show the
			// agent's reports.
			agentsEngine().ifPresent((agents) -> {
				this.tracker = agents;
				this.shared = true;
				agents.lookInsideTasks(SpringTasks::inner);
			});
		}
		if (this.shared && this.attachment == null) {
			attach();
		}
	}

	private void attach() {
		this.attachment = SharedTracker.attach(this.listeners.dispatcher()).orElse(null);
		if (this.attachment != null) {
			// Past what can be held while the context starts: reported by whoever would
			// report without this context.
			this.listeners.overflowTo(this.attachment.others());
		}
	}

	@Override
	public synchronized void destroy() {
		if (this.shared) {
			// The agent's engine outlives the context, and logs again on its own.
			// Spring's tasks are still looked inside, for the other contexts that share
			// the engine.
			if (this.attachment != null) {
				this.attachment.close();
				// A context that failed to start never resolved its listeners: what was
				// held for them goes to whoever reports now (another context still
				// attached, or the agent's log).
				this.listeners.handHeldTo(this.attachment.others());
			}
		}
		else if (this.tracker != null) {
			this.tracker.close();
		}
	}

	/**
	 * Return the agent's engine, if an agent runs whose engine classes are the
	 * application's: an agent of another version, or a class loader that has copies of
	 * its own (a web application in a servlet container), gets an engine of its own.
	 */
	private static Optional<TaskTracker> agentsEngine() {
		try {
			return SharedTracker.get();
		}
		catch (LinkageError ex) {
			logger.warn("The leaked-tasks agent runs, but its engine cannot be shared with this application (" + ex
					+ "); use the agent of the starter's version. The application reports through an engine of "
					+ "its own, so failures the agent also sees may be reported twice");
			return Optional.empty();
		}
	}

	private void warnIfIgnored(TrackingSettings wanted, TrackingSettings running) {
		List<String> ignored = new ArrayList<>();
		compare(ignored, "grace-period", wanted, running, TrackingSettings::gracePeriod);
		compare(ignored, "max-groups", wanted, running, TrackingSettings::maxGroups);
		compare(ignored, "overdue-threshold", wanted, running, TrackingSettings::overdueThreshold);
		compare(ignored, "creation-trace.mode", wanted, running, TrackingSettings::traceMode);
		compare(ignored, "creation-trace.traced-tasks-per-type", wanted, running, TrackingSettings::tracedTasksPerType);
		compare(ignored, "creation-trace.sample-rate", wanted, running, TrackingSettings::sampleRate);
		compare(ignored, "creation-trace.max-samples-per-second", wanted, running,
				TrackingSettings::maxSamplesPerSecond);
		compare(ignored, "creation-trace.max-depth", wanted, running, TrackingSettings::maxTraceDepth);
		libraryPackagesOfTheApplication(ignored);
		if (!ignored.isEmpty()) {
			logger.warn("The leaked-tasks agent runs the engine with its own settings, so these properties of the "
					+ "application are not applied: " + String.join(", ", ignored) + ". Give them to the agent, as "
					+ "agent options or as -Dleaked-tasks.* system properties, which the application reads too.");
		}
	}

	/**
	 * Name {@code leaked-tasks.library-packages} if the application sets it other than as
	 * a system property, which is all the agent reads of the application's (beside its
	 * options). A value that cannot be bound is left to the agent: never a reason to fail
	 * the application's start.
	 */
	private void libraryPackagesOfTheApplication(List<String> ignored) {
		String name = "leaked-tasks.library-packages";
		try {
			for (String property : System.getProperties().stringPropertyNames()) {
				if (property.equalsIgnoreCase(name) && !System.getProperty(property, "").isBlank()) {
					return;
				}
			}
			List<String> packages = Binder.get(this.environment)
				.bind(name, Bindable.listOf(String.class))
				.orElse(List.of())
				.stream()
				.map(String::trim)
				.filter((element) -> !element.isEmpty())
				.toList();
			if (!packages.isEmpty()) {
				ignored.add(name + "=" + String.join(",", packages)
						+ " (the agent's own setting, read only as an agent option or a system property)");
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Could not read " + name + " of the application", ex);
		}
	}

	/**
	 * Name a property the application set whose value the agent's engine does not use;
	 * one it did not set is the agent's to choose.
	 */
	private void compare(List<String> ignored, String property, TrackingSettings wanted, TrackingSettings running,
			Function<TrackingSettings, Object> setting) {
		BindResult<String> written = Binder.get(this.environment)
			.bind("leaked-tasks." + property, Bindable.of(String.class));
		if (!written.isBound() || written.get().isBlank()) {
			// An empty value is the default, as if the property were not set.
			return;
		}
		Object value = setting.apply(wanted);
		Object actual = setting.apply(running);
		if (!Objects.equals(value, actual)) {
			// Both as they are applied (a bare number of a duration is milliseconds).
			ignored.add("leaked-tasks." + property + "=" + asProperty(value) + " (the agent's: " + asProperty(actual)
					+ ")");
		}
	}

	/**
	 * Write a setting as a property gives it: a duration in its largest whole unit
	 * ({@code 10s}), a mode in lower case.
	 */
	static String asProperty(Object setting) {
		if (setting instanceof Duration duration) {
			if (duration.isZero()) {
				return "0s";
			}
			for (Map.Entry<ChronoUnit, String> unit : DURATION_UNITS.entrySet()) {
				try {
					long count = duration.dividedBy(unit.getKey().getDuration());
					if (unit.getKey().getDuration().multipliedBy(count).equals(duration)) {
						return count + unit.getValue();
					}
				}
				catch (ArithmeticException ex) {
					// Too many of this unit for a long: a smaller one has more.
					break;
				}
			}
			return duration.toString();
		}
		if (setting instanceof Enum<?> constant) {
			return constant.name().toLowerCase(Locale.ROOT);
		}
		return String.valueOf(setting);
	}

	private static Map<ChronoUnit, String> durationUnits() {
		Map<ChronoUnit, String> units = new LinkedHashMap<>();
		units.put(ChronoUnit.DAYS, "d");
		units.put(ChronoUnit.HOURS, "h");
		units.put(ChronoUnit.MINUTES, "m");
		units.put(ChronoUnit.SECONDS, "s");
		units.put(ChronoUnit.MILLIS, "ms");
		units.put(ChronoUnit.MICROS, "us");
		units.put(ChronoUnit.NANOS, "ns");
		return units;
	}

}
