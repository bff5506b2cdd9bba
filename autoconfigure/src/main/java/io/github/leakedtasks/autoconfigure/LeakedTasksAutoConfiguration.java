package io.github.leakedtasks.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.github.leakedtasks.autoconfigure.LeakedTasksProperties.ShowValues;
import io.github.leakedtasks.jfr.JfrLeakListener;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LoggingLeakListener;
import io.github.leakedtasks.tracking.TaskTracker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.logging.LogLevel;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for leaked-tasks: tracks every
 * executor bean and {@code @Async} method, and logs what is lost.
 *
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnLeakedTasksFlag("leaked-tasks.enabled")
@EnableConfigurationProperties(LeakedTasksProperties.class)
public final class LeakedTasksAutoConfiguration {

	private static final String LOGGER_NAME = "io.github.leakedtasks";

	/**
	 * SLF4J 2's fluent API, whose key-value pairs structured logs render as fields.
	 */
	private static final String SLF4J_FLUENT_API = "org.slf4j.spi.LoggingEventBuilder";

	/**
	 * Create the auto-configuration; Spring does.
	 */
	public LeakedTasksAutoConfiguration() {
	}

	/**
	 * Closed by {@link LeakedTasksEngine}: the Java agent's engine outlives the context.
	 */
	@Bean(destroyMethod = "")
	@ConditionalOnMissingBean
	TaskTracker leakedTasksTracker(LeakedTasksProperties properties, LeakedTasksEngine engine) {
		return engine.tracker(properties.toSettings());
	}

	/**
	 * Hands the tracker's events to the listeners rather than the listeners themselves:
	 * the tracker is created while the first executor bean is post-processed, and a
	 * listener may depend on that executor.
	 */
	@Bean
	@Lazy(false)
	LeakedTasksEngine leakedTasksEngine(DeferredLeakListeners listeners, Environment environment) {
		return new LeakedTasksEngine(listeners, environment);
	}

	/**
	 * Not lazy, so that its callback runs even with lazy initialization.
	 */
	@Bean
	@Lazy(false)
	DeferredLeakListeners leakedTasksListeners(ObjectProvider<LeakListener> listeners) {
		return new DeferredLeakListeners(listeners);
	}

	@Bean
	@ConditionalOnMissingBean
	LoggingLeakListener leakedTasksLoggingListener(LeakedTasksProperties properties) {
		LogLevel level = properties.getLogLevel();
		if (ClassUtils.isPresent(SLF4J_FLUENT_API, LeakedTasksAutoConfiguration.class.getClassLoader())) {
			return new LoggingLeakListener(new Slf4jLogSink(LOGGER_NAME, level));
		}
		Log logger = LogFactory.getLog(LOGGER_NAME);
		return new LoggingLeakListener((message, exception) -> log(logger, level, message, exception));
	}

	@Bean
	static LeakedTasksBeanPostProcessor leakedTasksBeanPostProcessor(ObjectProvider<TaskTracker> tracker,
			Environment environment) {
		// Bound here rather than injected: a bean post-processor must not pull in other
		// beans early.
		LeakedTasksProperties properties = Binder.get(environment)
			.bind("leaked-tasks", Bindable.of(LeakedTasksProperties.class))
			.orElseGet(LeakedTasksProperties::new);
		// The earliest bean of the auto-configuration: on an unsupported Spring Boot,
		// stop here with a message rather than later with a LinkageError.
		if (properties.isVerifySpringBootVersion()) {
			SpringBootVersionCheck.check(SpringBootVersion.getVersion());
		}
		return new LeakedTasksBeanPostProcessor(tracker::getObject, new ArrayList<>(properties.getExcludedExecutors()));
	}

	/**
	 * Flight Recorder events, where the runtime has the {@code jdk.jfr} module.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "jdk.jfr.FlightRecorder")
	@ConditionalOnLeakedTasksFlag("leaked-tasks.jfr.enabled")
	static final class JfrConfiguration {

		@Bean
		@ConditionalOnMissingBean
		JfrLeakListener leakedTasksJfrListener(LeakedTasksProperties properties) {
			// No security context in a recording: messages only where always shown.
			return new JfrLeakListener(properties.getEndpoint().getShowValues() == ShowValues.ALWAYS);
		}

	}

	private static void log(Log logger, LogLevel level, String message, Throwable exception) {
		switch (level) {
			case TRACE -> logger.trace(message, exception);
			case DEBUG -> logger.debug(message, exception);
			case INFO -> logger.info(message, exception);
			case WARN -> logger.warn(message, exception);
			case ERROR, FATAL -> logger.error(message, exception);
			default -> {
			}
		}
	}

}
