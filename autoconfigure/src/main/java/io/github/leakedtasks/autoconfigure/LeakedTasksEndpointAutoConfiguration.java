package io.github.leakedtasks.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.github.leakedtasks.actuate.LeakedTasksEndpoint;
import io.github.leakedtasks.actuate.LeakedTasksEndpoint.ExecutorBeanDescriptor;
import io.github.leakedtasks.tracking.TaskTracker;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.web.PathMapper;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@link LeakedTasksEndpoint}.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = LeakedTasksAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnLeakedTasksFlag("leaked-tasks.enabled")
@ConditionalOnBean(TaskTracker.class)
@ConditionalOnAvailableEndpoint(LeakedTasksEndpoint.class)
public final class LeakedTasksEndpointAutoConfiguration {

	/**
	 * Create the auto-configuration; Spring does.
	 */
	public LeakedTasksEndpointAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	LeakedTasksEndpoint leakedTasksEndpoint(TaskTracker tracker, LeakedTasksProperties properties,
			ObjectProvider<LeakedTasksBeanPostProcessor> postProcessor) {
		LeakedTasksProperties.Endpoint endpoint = properties.getEndpoint();
		return new LeakedTasksEndpoint(tracker, Show.valueOf(endpoint.getShowValues().name()),
				Set.copyOf(endpoint.getRoles()), () -> executorBeans(postProcessor.getIfAvailable()));
	}

	private static Map<String, ExecutorBeanDescriptor> executorBeans(LeakedTasksBeanPostProcessor postProcessor) {
		Map<String, ExecutorBeanDescriptor> beans = new LinkedHashMap<>();
		if (postProcessor != null) {
			postProcessor.executorBeans()
				.forEach((name, bean) -> beans.put(name, new ExecutorBeanDescriptor(bean.tracked(), bean.reason())));
		}
		return beans;
	}

	/**
	 * Map the endpoint to {@code /leaked-tasks} unless the user maps it with
	 * {@code management.endpoints.web.path-mapping.leakedtasks}, which Spring Boot's own
	 * mapper then applies.
	 */
	@Bean
	PathMapper leakedTasksEndpointPathMapper(Environment environment) {
		return (endpointId) -> (endpointId.equals(EndpointId.of(LeakedTasksEndpoint.ID))
				&& !environment.containsProperty("management.endpoints.web.path-mapping." + LeakedTasksEndpoint.ID))
						? LeakedTasksEndpoint.PATH : null;
	}

}
