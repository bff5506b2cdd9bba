package io.github.leakedtasks.autoconfigure;

import io.github.leakedtasks.tracking.TaskTracker;
import io.micrometer.tracing.Tracer;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.ContextClosedEvent;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that links each tracked task to the
 * trace and span it was submitted in, with Micrometer Tracing and a {@link Tracer} bean.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = LeakedTasksAutoConfiguration.class)
@ConditionalOnClass(Tracer.class)
@ConditionalOnLeakedTasksFlag({ "leaked-tasks.enabled", "leaked-tasks.tracing.enabled" })
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
	 * context closes, before its beans (the tracer among them) are destroyed, or when its
	 * beans are destroyed after a failed refresh: the Java agent's engine outlives the
	 * context.
	 */
	@Bean
	TraceIdsPlug leakedTasksTraceIds(ObjectProvider<TaskTracker> tracker, ObjectProvider<Tracer> tracer) {
		return new TraceIdsPlug(tracker, tracer);
	}

	static final class TraceIdsPlug implements SmartInitializingSingleton, ApplicationListener<ContextClosedEvent>,
			ApplicationContextAware, DisposableBean {

		private final ObjectProvider<TaskTracker> tracker;

		private final ObjectProvider<Tracer> tracer;

		private ApplicationContext context;

		private volatile TaskTracker engine;

		private volatile MicrometerTraceIds source;

		TraceIdsPlug(ObjectProvider<TaskTracker> tracker, ObjectProvider<Tracer> tracer) {
			this.tracker = tracker;
			this.tracer = tracer;
		}

		@Override
		public void setApplicationContext(ApplicationContext context) {
			this.context = context;
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
		public void onApplicationEvent(ContextClosedEvent event) {
			// A child context's closing reaches its parent's listeners too.
			if (event.getApplicationContext() != this.context) {
				return;
			}
			unplug();
		}

		/**
		 * Unplug the tracer when the context's beans are destroyed without a
		 * {@code ContextClosedEvent}: a context whose refresh failed.
		 */
		@Override
		public void destroy() {
			unplug();
		}

		private synchronized void unplug() {
			TaskTracker engine = this.engine;
			if (engine != null) {
				engine.stopCapturingTraceIds(this.source);
				this.engine = null;
				this.source = null;
			}
		}

	}

}
