package io.github.leakedtasks.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.github.leakedtasks.tracking.LeakReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.github.leakedtasks.agent.AgentFixture.allReports;
import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Failures the JDK's own code makes itself and drops inside itself are not the
 * application's leaks: the JDK's HTTP client fails some of its internal futures on a
 * timeout and lets go of them, while the caller of {@code send} gets its exception.
 * Failures the application receives, and failures the JDK's public classes make on the
 * application's behalf, are still reported.
 */
class JdkOwnFailuresTests {

	private ServerSocket full;

	private final List<Socket> waiting = new ArrayList<>();

	private HttpServer server;

	private final CountDownLatch release = new CountDownLatch(1);

	@BeforeEach
	void serverWhoseAcceptQueueIsFull() throws IOException {
		// Nothing accepts: once its queue is full, a connection attempt waits until it
		// times out (the SYN is dropped).
		this.full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
		for (int i = 0; i < 64; i++) {
			Socket socket = new Socket();
			try {
				socket.connect(this.full.getLocalSocketAddress(), 200);
				this.waiting.add(socket);
			}
			catch (SocketTimeoutException ex) {
				socket.close();
				return;
			}
		}
		throw new IllegalStateException("The accept queue of the test's server never filled up");
	}

	@AfterEach
	void close() throws IOException {
		this.release.countDown();
		if (this.server != null) {
			this.server.stop(0);
		}
		for (Socket socket : this.waiting) {
			socket.close();
		}
		this.full.close();
	}

	@Test
	void connectTimeoutOfSendIsNotReported() {
		long before = jdkOwnFailures();
		int reported = httpReports().size();
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)).build();
		HttpRequest request = HttpRequest.newBuilder(uri(this.full.getLocalPort())).build();
		assertThatExceptionOfType(HttpConnectTimeoutException.class)
			.isThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.discarding()));
		awaitDetectorCaughtUp();
		assertThat(httpReports()).hasSize(reported);
		assertThat(jdkOwnFailures()).isGreaterThan(before);
	}

	@Test
	void connectTimeoutOfSendAsyncHandledIsNotReported() {
		int reported = httpReports().size();
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)).build();
		HttpRequest request = HttpRequest.newBuilder(uri(this.full.getLocalPort())).build();
		Throwable failure = client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
			.handle((response, ex) -> ex)
			.join();
		assertThat(failure).hasRootCauseInstanceOf(java.net.ConnectException.class);
		awaitDetectorCaughtUp();
		assertThat(httpReports()).hasSize(reported);
	}

	@Test
	void requestTimeoutOfSendIsNotReported() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", (exchange) -> {
			try {
				this.release.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			exchange.close();
		});
		this.server.start();
		int reported = httpReports().size();
		HttpClient client = HttpClient.newHttpClient();
		for (int i = 0; i < 4; i++) {
			HttpRequest request = HttpRequest.newBuilder(uri(this.server.getAddress().getPort()))
				.timeout(Duration.ofMillis(200))
				.build();
			assertThatExceptionOfType(HttpTimeoutException.class)
				.isThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.discarding()));
		}
		awaitDetectorCaughtUp();
		assertThat(httpReports()).hasSize(reported);
	}

	@Test
	void failureTheApplicationMakesOnTheJdksThreadIsReported() throws Exception {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", (exchange) -> {
			exchange.sendResponseHeaders(204, -1);
			exchange.close();
		});
		this.server.start();
		String marker = marker();
		HttpClient client = HttpClient.newHttpClient();
		HttpRequest request = HttpRequest.newBuilder(uri(this.server.getAddress().getPort())).build();
		failInTheBodyHandler(client, request, marker);
		LeakReport report = awaitReported(marker);
		assertThat(report.exception()).isInstanceOf(IllegalStateException.class);
	}

	private static void failInTheBodyHandler(HttpClient client, HttpRequest request, String marker)
			throws IOException, InterruptedException {
		CompletableFuture<Void> mine = new CompletableFuture<>();
		// The application's body handler runs inside the JDK's HTTP client, below its
		// frames: the future the handler fails, and drops, is the application's.
		client.send(request, (info) -> {
			mine.completeExceptionally(new IllegalStateException(marker));
			return HttpResponse.BodySubscribers.discarding();
		});
		assertThat(mine).isCompletedExceptionally();
	}

	private static URI uri(int port) {
		return URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port + "/");
	}

	private static List<LeakReport> httpReports() {
		return allReports().stream().filter((report) -> isHttpFailure(report.exception())).toList();
	}

	private static boolean isHttpFailure(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof java.net.ConnectException || cause instanceof HttpTimeoutException) {
				return true;
			}
		}
		return false;
	}

	private static long jdkOwnFailures() {
		return LeakedTasksAgent.tracker().orElseThrow().summary().jdkOwnFailures();
	}

}
