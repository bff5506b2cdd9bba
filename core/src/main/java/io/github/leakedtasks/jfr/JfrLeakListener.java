package io.github.leakedtasks.jfr;

import io.github.leakedtasks.tracking.CreationTrace;
import io.github.leakedtasks.tracking.Exceptions;
import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.OverdueTask;
import io.github.leakedtasks.tracking.TraceIds;
import io.github.leakedtasks.tracking.UncaughtReport;

/**
 * Commits a JDK Flight Recorder event for each report, in the {@code leaked-tasks}
 * category. Nothing is rendered when no recording wants the event.
 *
 * @since 0.1.0
 */
public final class JfrLeakListener implements LeakListener {

	private final boolean withMessages;

	/**
	 * Create a listener.
	 * @param withMessages whether events carry exception messages, which can hold secrets
	 */
	public JfrLeakListener(boolean withMessages) {
		this.withMessages = withMessages;
	}

	@Override
	public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
		FailureEvent event = (report.kind() == LeakKind.EXCEPTION_NOT_RETRIEVED) ? new UnretrievedEvent()
				: new DroppedEvent();
		if (!event.shouldCommit()) {
			return;
		}
		task(event, report.executor(), report.task(), report.thread(), report.creationTrace(), report.traceIds());
		failure(event, report.exception());
		event.leakId = group.id();
		event.commit();
	}

	@Override
	public void onUncaught(UncaughtReport report) {
		UncaughtEvent event = new UncaughtEvent();
		if (!event.shouldCommit()) {
			return;
		}
		task(event, report.executor(), report.task(), report.thread(), report.creationTrace(), report.traceIds());
		failure(event, report.exception());
		event.leakId = report.leakId();
		event.commit();
	}

	@Override
	public void onOverdue(OverdueTask task) {
		OverdueEvent event = new OverdueEvent();
		if (!event.shouldCommit()) {
			return;
		}
		task(event, task.executor(), task.task(), null, task.creationTrace(), task.traceIds());
		event.state = task.state().name();
		event.age = task.age().toNanos();
		event.runningThread = task.runningThread();
		event.commit();
	}

	private static void task(TaskEvent event, String executor, String task, String thread, CreationTrace trace,
			TraceIds traceIds) {
		event.executor = executor;
		event.task = task;
		event.thread = thread;
		event.creationTrace = (trace != null) ? render(trace) : null;
		if (traceIds != null) {
			event.traceId = traceIds.traceId();
			event.spanId = traceIds.spanId();
		}
	}

	private void failure(FailureEvent event, Throwable exception) {
		if (exception != null) {
			event.exceptionType = exception.getClass().getName();
			event.exceptionMessage = this.withMessages ? Exceptions.message(exception) : null;
		}
	}

	private static String render(CreationTrace trace) {
		StringBuilder frames = new StringBuilder();
		for (StackTraceElement frame : trace.frames()) {
			if (frames.length() > 0) {
				frames.append('\n');
			}
			frames.append(frame);
		}
		return frames.toString();
	}

}
