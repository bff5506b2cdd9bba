package io.github.leakedtasks.autoconfigure;

import io.github.leakedtasks.tracking.TaskTracker;
import io.micrometer.tracing.Tracer;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that links each tracked task to the
 * trace and span it was submitted in, with Micrometer Tracing and a {@link Tracer} bean.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = LeakedTasksAutoConfiguration.class)
@ConditionalOnClass(Tracer.class)
@ConditionalOnBooleanProperty(name = { "leaked-tasks.enabled", "leaked-tasks.tracing.enabled" }, matchIfMissing = true)
public final class LeakedTasksTracingAutoConfiguration {

	/**
	 * Create the auto-configuration; Spring does.
	 */
	public LeakedTasksTracingAutoConfiguration() {
	}

	/**
	 * Plugs the tracer in once every singleton exists: the tracker is created while the
	 * first executor bean is post-processed, before the tracer may be, and whichever
	 * auto-configuration defines the tracer need not run first. Unplugs it when the
	 * context closes: the Java agent's engine outlives the context.
	 */
	@Bean
	TraceIdsPlug leakedTasksTraceIds(ObjectProvider<TaskTracker> tracker, ObjectProvider<Tracer> tracer) {
		return new TraceIdsPlug(tracker, tracer);
	}

	static final class TraceIdsPlug implements SmartInitializingSingleton, DisposableBean {

		private final ObjectProvider<TaskTracker> tracker;

		private final ObjectProvider<Tracer> tracer;

		private volatile TaskTracker engine;

		private volatile MicrometerTraceIds source;

		TraceIdsPlug(ObjectProvider<TaskTracker> tracker, ObjectProvider<Tracer> tracer) {
			this.tracker = tracker;
			this.tracer = tracer;
		}

		@Override
		public void afterSingletonsInstantiated() {
			this.tracer.ifUnique((unique) -> this.tracker.ifUnique((engine) -> {
				if (unique != Tracer.NOOP) {
					MicrometerTraceIds source = new MicrometerTraceIds(unique);
					this.engine = engine;
					this.source = source;
					engine.captureTraceIds(source);
				}
			}));
		}

		@Override
		public void destroy() {
			TaskTracker engine = this.engine;
			if (engine != null) {
				engine.stopCapturingTraceIds(this.source);
				this.engine = null;
				this.source = null;
			}
		}

	}

}
