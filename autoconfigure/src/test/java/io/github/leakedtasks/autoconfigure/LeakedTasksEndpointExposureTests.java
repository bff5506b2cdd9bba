package io.github.leakedtasks.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator/leaked-tasks} is not served over the web unless the user includes it.
 */
@SpringBootTest(classes = LeakedTasksEndpointWebTests.EndpointApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT)
class LeakedTasksEndpointExposureTests {

	@LocalServerPort
	private int port;

	@Test
	void endpointIsNotExposedByDefault() throws Exception {
		assertThat(LeakedTasksEndpointWebTests.status(this.port, "GET", "/actuator/leaked-tasks")).isEqualTo(404);
		assertThat(LeakedTasksEndpointWebTests.status(this.port, "GET", "/actuator/health")).isEqualTo(200);
	}

}
