package io.github.leakedtasks.tracking;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns what the tracker decided into reports: groups confirmed leaks and hands every
 * event to the listeners, none of which can break the others or the task.
 *
 * @since 0.1.0
 */
final class LeakReporter {

	private final TrackingSettings settings;

	private final Clock clock;

	private final LeakGroups groups;

	private final List<LeakListener> listeners = new CopyOnWriteArrayList<>();

	private static final int MAX_UNTRACKED_TYPES = 100;

	/**
	 * Failures reported as uncaught, held weakly: a source that sees them again, behind a
	 * wrapper of another library, does not report them twice.
	 */
	private final WeakIdentityMap<Boolean> uncaughtFailures = new WeakIdentityMap<>();

	private final Set<String> executorNames = ConcurrentHashMap.newKeySet();

	/**
	 * The types left untracked, by why: at most {@value #MAX_UNTRACKED_TYPES} for each
	 * reason, and at most {@value #MAX_UNTRACKED_REASONS} reasons.
	 */
	private final Map<String, Set<String>> untrackedTypes = new ConcurrentHashMap<>();

	/** The reasons past whose cap of types more were left untracked, said once each. */
	private final Set<String> untrackedOverflows = ConcurrentHashMap.newKeySet();

	private static final int MAX_UNTRACKED_REASONS = 32;

	private final Set<String> jdkCompleters = ConcurrentHashMap.newKeySet();

	/** Whether the tracker is closing, so that no scope is fed any more. */
	private volatile boolean closing;

	private final TraceSampler sampler;

	LeakReporter(TrackingSettings settings, Clock clock, LeakGroups groups, TraceSampler sampler) {
		this.settings = settings;
		this.clock = clock;
		this.groups = groups;
		this.sampler = sampler;
	}

	void addListener(LeakListener listener) {
		this.listeners.add(listener);
		for (String name : this.executorNames) {
			executorTracked(listener, name);
		}
	}

	void removeListener(LeakListener listener) {
		this.listeners.remove(listener);
	}

	Set<String> executorNames() {
		return Set.copyOf(this.executorNames);
	}

	void executorTracked(String name) {
		if (this.executorNames.add(name)) {
			for (LeakListener listener : this.listeners) {
				executorTracked(listener, name);
			}
		}
	}

	private static void executorTracked(LeakListener listener, String name) {
		try {
			listener.onExecutor(name);
		}
		catch (Throwable ex) {
			// The executor is tracked whatever one listener does.
		}
	}

	/**
	 * Note that an executor handed out a future that no view can stand in for, so that
	 * its task's failure is not tracked; said once per future type.
	 */
	void untracked(Class<?> futureType) {
		untracked(futureType.getName(), UntrackedType.FUTURE_REASON);
	}

	/**
	 * Note that a task went as it is, untracked, to a pool whose own {@code newTaskFor}
	 * or {@code decorateTask} receives it and may tell it from the engine's task; said
	 * once per task type.
	 */
	void handedOver(Class<?> taskType) {
		untracked(taskType.getName(), UntrackedType.HANDED_OVER_REASON);
	}

	/**
	 * Note that a task that is itself a future kept its failure and threw it on, so that
	 * the failure of the future that ran it is left to it (see
	 * {@link SelfDeliveringTasks}); said once per task type.
	 */
	void leftToTask(Class<?> taskType) {
		untracked(taskType.getName(), UntrackedType.LEFT_TO_TASK_REASON);
	}

	/**
	 * Say once, at DEBUG, that what has the given type is left untracked, and why; at
	 * most {@value #MAX_UNTRACKED_TYPES} types for each reason, past which that more are
	 * left untracked is said once. Contained: the caller's call goes on whatever the
	 * logging back end does.
	 */
	void untracked(String type, String reason) {
		Set<String> said = this.untrackedTypes.get(reason);
		if (said == null) {
			if (this.untrackedTypes.size() >= MAX_UNTRACKED_REASONS) {
				overflowed(reason, "More reasons to leave types untracked than the " + MAX_UNTRACKED_REASONS
						+ " listed; this one and its types are not said or listed: " + reason);
				return;
			}
			said = this.untrackedTypes.computeIfAbsent(reason, (key) -> ConcurrentHashMap.newKeySet());
		}
		if (said.contains(type)) {
			return;
		}
		if (said.size() >= MAX_UNTRACKED_TYPES) {
			overflowed(reason, "More types are left untracked than the " + MAX_UNTRACKED_TYPES
					+ " listed for this reason, which are not said or listed: " + reason);
		}
		else if (said.add(type)) {
			debug(type + " is left untracked: " + reason);
		}
	}

	private void overflowed(String reason, String message) {
		if (this.untrackedOverflows.size() < MAX_UNTRACKED_REASONS && this.untrackedOverflows.add(reason)) {
			debug(message);
		}
	}

	/**
	 * Return what is left untracked, by type, with why, sorted by type.
	 */
	List<UntrackedType> untrackedTypes() {
		List<UntrackedType> types = new ArrayList<>();
		this.untrackedTypes
			.forEach((reason, said) -> said.forEach((type) -> types.add(new UntrackedType(type, reason))));
		types.sort(Comparator.comparing(UntrackedType::type).thenComparing(UntrackedType::reason));
		return List.copyOf(types);
	}

	/**
	 * Log at DEBUG. A logging back end that throws, whatever it throws short of the
	 * virtual machine's own errors, does not stop the caller's call.
	 */
	private static void debug(String message) {
		try {
			System.getLogger("io.github.leakedtasks").log(System.Logger.Level.DEBUG, message);
		}
		catch (VirtualMachineError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			// Contained: the caller's call goes on all the same.
		}
	}

	/**
	 * Note that a source saw the JDK's own code fail a future itself, a failure not
	 * watched: counted in the summary, and said once per class of that code.
	 */
	void jdkOwnFailure(Class<?> completer) {
		this.groups.jdkOwnFailure();
		String name = completer.getName();
		if (this.jdkCompleters.size() < MAX_UNTRACKED_TYPES && this.jdkCompleters.add(name)) {
			debug("Futures the JDK's own code in " + name + " fails itself (or a library's, named in the Java"
					+ " agent's library-packages) are not watched: a failure nobody retrieves there is not the"
					+ " application's (counted as jdkOwnFailures in the summary)");
		}
	}

	/**
	 * Note that the tracker closes: what its last pass confirms is a teardown's effect,
	 * left to the listeners (the log), not handed to a test's scope.
	 */
	void closing() {
		this.closing = true;
	}

	/**
	 * Have the next tasks of a leak's type traced if this one had no trace (see
	 * {@link TraceSampler#untracedLeak}).
	 * @param record the record of the leak, reported or listed as suspected
	 */
	void untraced(TaskRecord record) {
		if (record.trace == null) {
			this.sampler.untracedLeak(record.taskType);
		}
	}

	/**
	 * Report a confirmed leak, once per record.
	 */
	void confirmed(LeakKind kind, TaskRecord record, Throwable failure) {
		if (!record.mark(TaskRecord.REPORTED)) {
			return;
		}
		LeakReport report = LeakRules.toReport(kind, record, failure, this.settings, this.clock.instant());
		if (!record.is(TaskRecord.SUSPECTED)) {
			// Noted when it was listed as suspected.
			untraced(record);
		}
		if (!this.closing) {
			TaskScope.confirmed(record, report);
		}
		LeakGroups.Added added = this.groups.add(report, LeakStatus.CONFIRMED);
		for (LeakListener listener : this.listeners) {
			try {
				listener.onLeak(report, added.group(), added.newGroup());
			}
			catch (Throwable ex) {
				// Reporting goes on for the other listeners.
			}
		}
	}

	/**
	 * Report a task the detector found overdue, once per record.
	 */
	void overdue(TaskRecord record, OverdueTask task) {
		if (record.mark(TaskRecord.OVERDUE)) {
			overdue(task);
		}
	}

	/**
	 * Report a task an overdue source found, which hands each task over once as new.
	 */
	void overdue(OverdueTask task) {
		for (LeakListener listener : this.listeners) {
			try {
				listener.onOverdue(task);
			}
			catch (Throwable ex) {
				// Reporting goes on for the other listeners.
			}
		}
	}

	/**
	 * Return whether a failure was just reported as uncaught, forgetting it: the next
	 * task that throws the same instance is reported again.
	 */
	boolean reportedUncaught(Throwable failure) {
		return this.uncaughtFailures.remove(failure) != null;
	}

	void uncaught(TaskRecord record, Throwable failure, UncaughtReport.Handler handler) {
		if (failure != null && handler != UncaughtReport.Handler.INTEGRATION) {
			// What a source may see next on this thread: the integration's handler (a
			// void @Async method's) receives the failure instead, and a source that
			// sees it anyway recognizes the integration's task.
			this.uncaughtFailures.put(failure, Boolean.TRUE);
		}
		CreationTrace trace = CreationTrace.of(record.trace, this.settings);
		untraced(record);
		Instant time = this.clock.instant();
		// Listed beside the leaks, so that the endpoint shows what the log shows, under
		// the id the log and the events give.
		LeakGroups.Added added = this.groups.add(new LeakReport(LeakKind.UNCAUGHT, record.executor.name(),
				record.taskType, failure, trace, record.threadName, time, record.traceIds), LeakStatus.CONFIRMED);
		UncaughtReport report = new UncaughtReport(record.executor.name(), record.taskType, failure, trace,
				record.threadName, time, handler, record.traceIds, added.group().id());
		for (LeakListener listener : this.listeners) {
			try {
				listener.onUncaught(report);
			}
			catch (Throwable ex) {
				// A broken listener must not change how the task fails.
			}
		}
	}

}
