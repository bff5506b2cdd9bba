package io.github.leakedtasks.tracking;

import java.util.function.Supplier;

/**
 * The trace and span a task was submitted in, as a tracer names them, so that a report
 * can be linked to the request that submitted the task.
 *
 * @param traceId the trace's id
 * @param spanId the span's id
 * @since 0.1.0
 */
public record TraceIds(String traceId, String spanId) {

	/**
	 * Ask a source for the submitting thread's ids; a source that fails is taken as no
	 * trace, since the task must be submitted whatever the tracer does.
	 */
	static TraceIds capture(Supplier<TraceIds> source) {
		try {
			return source.get();
		}
		catch (Throwable ex) {
			return null;
		}
	}

}
