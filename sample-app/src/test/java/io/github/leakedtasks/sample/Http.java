package io.github.leakedtasks.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plain HTTP calls to the running application, as curl would make them.
 */
final class Http {

	private static final HttpClient client = HttpClient.newHttpClient();

	private static final JsonMapper json = JsonMapper.builder().build();

	private Http() {
	}

	static String post(int port, String path) throws Exception {
		return send(port, HttpRequest.newBuilder(uri(port, path)).POST(HttpRequest.BodyPublishers.noBody()).build());
	}

	static String get(int port, String path) throws Exception {
		return send(port, HttpRequest.newBuilder(uri(port, path)).build());
	}

	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> leaks(int port) throws Exception {
		return (List<Map<String, Object>>) json.readValue(get(port, "/actuator/leaked-tasks"), Map.class).get("leaks");
	}

	private static String send(int port, HttpRequest request) throws Exception {
		HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return response.body();
	}

	private static URI uri(int port, String path) {
		return URI.create("http://127.0.0.1:" + port + path);
	}

}
