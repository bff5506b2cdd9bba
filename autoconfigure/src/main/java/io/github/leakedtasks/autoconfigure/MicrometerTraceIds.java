package io.github.leakedtasks.autoconfigure;

import java.util.function.Supplier;

import io.github.leakedtasks.tracking.TraceIds;
import io.micrometer.tracing.Span;
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
		Span span = this.tracer.currentSpan();
		if (span == null || span.isNoop()) {
			return null;
		}
		TraceContext context = span.context();
		return new TraceIds(context.traceId(), context.spanId());
	}

}
