package io.github.leakedtasks.autoconfigure;

import java.util.function.Supplier;

import io.github.leakedtasks.tracking.TraceIds;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;

/**
 * The current span's ids from a Micrometer {@link Tracer}, read on the submitting thread.
 *
 * @since 0.1.0
 */
final class MicrometerTraceIds implements Supplier<TraceIds> {

	private final Tracer tracer;

	MicrometerTraceIds(Tracer tracer) {
		this.tracer = tracer;
	}

	@Override
	public TraceIds get() {
		// The current context, not currentSpan(): a bridge wraps the span in a new object
		// on each call.
		TraceContext context = this.tracer.currentTraceContext().context();
		return (context != null) ? new TraceIds(context.traceId(), context.spanId()) : null;
	}

}
