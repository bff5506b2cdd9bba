package io.github.leakedtasks.autoconfigure;

import io.github.leakedtasks.tracking.TaskTracker;
import io.micrometer.tracing.Tracer;

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
	 * auto-configuration defines the tracer need not run first.
	 */
	@Bean
	SmartInitializingSingleton leakedTasksTraceIds(ObjectProvider<TaskTracker> tracker, ObjectProvider<Tracer> tracer) {
		return () -> tracer.ifUnique((unique) -> tracker.ifUnique((engine) -> {
			if (unique != Tracer.NOOP) {
				engine.captureTraceIds(new MicrometerTraceIds(unique));
			}
		}));
	}

}
