package io.github.leakedtasks.actuate;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.github.leakedtasks.tracking.CreationTrace;
import io.github.leakedtasks.tracking.Exceptions;
import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TraceIds;

/**
 * A group of leaks as the endpoint shows it.
 *
 * @param id identifier, stable while the group lives
 * @param kind {@code EXCEPTION_NOT_RETRIEVED}, {@code DROPPED_WHILE_PENDING}, or
 * {@code UNCAUGHT} (listed, not a leak)
 * @param status {@code SUSPECTED} or {@code CONFIRMED}
 * @param executor executor bean name
 * @param task the {@code @Async} method or the task's class
 * @param exception the original failure, absent for drops
 * @param origin the application's frame that created the task: the first frame of the
 * creation trace outside the JDK and the frameworks; leaks are grouped by it
 * @param creationTrace frames of the submitting thread, caller first
 * @param count how many leaks the group holds
 * @param firstSeen ISO-8601 time of the first
 * @param lastSeen ISO-8601 time of the latest
 * @param thread name of the submitting thread
 * @param traceId trace the latest leak's task was submitted in, with tracing on
 * @param spanId span the latest leak's task was submitted in, with tracing on
 * @since 0.1.0
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LeakDescriptor(String id, String kind, String status, String executor, String task,
		ExceptionDescriptor exception, String origin, List<String> creationTrace, long count, String firstSeen,
		String lastSeen, String thread, String traceId, String spanId) {

	static LeakDescriptor of(LeakGroup group, boolean showMessage, boolean withStackTrace) {
		LeakReport latest = group.latest();
		TraceIds traceIds = latest.traceIds();
		return new LeakDescriptor(group.id(), group.kind().name(), group.status().name(), group.executor(),
				group.task(), ExceptionDescriptor.of(latest.exception(), showMessage, withStackTrace),
				origin(group.creationTrace()), frames(group.creationTrace()), group.count(),
				group.firstSeen().toString(), group.lastSeen().toString(), latest.thread(),
				(traceIds != null) ? traceIds.traceId() : null, (traceIds != null) ? traceIds.spanId() : null);
	}

	static String origin(CreationTrace trace) {
		StackTraceElement origin = (trace != null) ? trace.origin() : null;
		return (origin != null) ? origin.toString() : null;
	}

	static List<String> frames(CreationTrace trace) {
		return (trace != null) ? trace.frames().stream().map(StackTraceElement::toString).toList() : List.of();
	}

	/**
	 * A failure: its class, its message when shown, and its own stack trace in the detail
	 * view.
	 *
	 * @param type fully qualified class name of the failure
	 * @param message the message, or {@code ******} when hidden
	 * @param stackTrace the failure's frames, in the detail view only
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	public record ExceptionDescriptor(String type, String message, List<String> stackTrace) {

		static final String HIDDEN = "******";

		static ExceptionDescriptor of(Throwable exception, boolean showMessage, boolean withStackTrace) {
			if (exception == null) {
				return null;
			}
			// The application's exception: its methods may throw, and must not break the
			// listing.
			String raw = Exceptions.message(exception);
			String message = (raw == null) ? null : (showMessage ? raw : HIDDEN);
			List<String> stackTrace = withStackTrace ? java.util.Arrays.stream(Exceptions.stackTrace(exception))
				.limit(64)
				.map(StackTraceElement::toString)
				.toList() : null;
			return new ExceptionDescriptor(exception.getClass().getName(), message, stackTrace);
		}

	}

}
