package io.github.leakedtasks.autoconfigure;

import io.github.leakedtasks.micrometer.LeakedTasksMetrics;
import io.github.leakedtasks.tracking.TaskTracker;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the leaked-tasks meters.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = { MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
		SimpleMetricsExportAutoConfiguration.class })
@ConditionalOnClass({ MeterRegistry.class, MetricsAutoConfiguration.class })
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnLeakedTasksFlag("leaked-tasks.enabled")
public final class LeakedTasksMetricsAutoConfiguration {

	/**
	 * Create the auto-configuration; Spring does.
	 */
	public LeakedTasksMetricsAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	LeakedTasksMetrics leakedTasksMetrics(MeterRegistry registry, ObjectProvider<TaskTracker> tracker) {
		// Read lazily: the tracker is created by the first executor bean's
		// post-processing.
		return new LeakedTasksMetrics(registry, (executor) -> tracker.getObject().overdueCount(executor),
				(executor) -> tracker.getObject().suspectedCount(executor));
	}

}
