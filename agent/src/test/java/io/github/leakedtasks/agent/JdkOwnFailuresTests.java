package io.github.leakedtasks.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.github.leakedtasks.tracking.LeakReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.github.leakedtasks.agent.AgentFixture.allReports;
import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assumptions.assumeThat;
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
	void requestTimeoutsAmongConcurrentRequestsAreNotReported() throws IOException {
		ExecutorService handlers = Executors.newCachedThreadPool();
		try {
			this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
			this.server.createContext("/slow", (exchange) -> {
				try {
					this.release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				exchange.close();
			});
			this.server.createContext("/fast", (exchange) -> {
				exchange.sendResponseHeaders(204, -1);
				exchange.close();
			});
			this.server.setExecutor(handlers);
			this.server.start();
			int reported = httpReports().size();
			HttpClient client = HttpClient.newHttpClient();
			URI base = uri(this.server.getAddress().getPort());
			// Connections that served a fast request are reused for slow ones, which
			// time out: the client fails and drops some of its stages on them.
			List<CompletableFuture<String>> outcomes = new ArrayList<>();
			for (int i = 0; i < 50; i++) {
				HttpRequest request = (i % 2 == 0)
						? HttpRequest.newBuilder(base.resolve("/slow")).timeout(Duration.ofMillis(200)).build()
						: HttpRequest.newBuilder(base.resolve("/fast")).timeout(Duration.ofSeconds(30)).build();
				outcomes.add(client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
					.handle((response, ex) -> (ex != null) ? ex.getCause().getClass().getSimpleName() : "OK"));
			}
			assertThat(outcomes.stream().map(CompletableFuture::join)).containsOnly("OK", "HttpTimeoutException");
			awaitDetectorCaughtUp();
			assertThat(httpReports()).hasSize(reported);
		}
		finally {
			this.release.countDown();
			handlers.shutdown();
		}
	}

	@Test
	void handshakeFailureOfSendIsNotReported(@TempDir Path directory) throws Exception {
		this.server = httpsServerNobodyTrusts(directory);
		int reported = httpReports().size();
		HttpClient client = HttpClient.newHttpClient();
		HttpRequest request = HttpRequest.newBuilder(URI.create("https://"
				+ InetAddress.getLoopbackAddress().getHostAddress() + ":" + this.server.getAddress().getPort() + "/"))
			.build();
		assertThatExceptionOfType(SSLHandshakeException.class)
			.isThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.discarding()));
		Throwable failure = client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
			.handle((response, ex) -> ex)
			.join();
		assertThat(failure).hasCauseInstanceOf(SSLHandshakeException.class);
		awaitDetectorCaughtUp();
		assertThat(httpReports()).hasSize(reported);
	}

	@Test
	void stageTheApplicationChainedOnSendAsyncAndDroppedIsReported() throws Exception {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)).build();
		HttpRequest request = HttpRequest.newBuilder(uri(this.full.getLocalPort())).build();
		// The client runs the stages chained on the future it hands out on its async
		// pool: the JDK's failure handed on there is the application's to retrieve.
		AtomicReference<CompletableFuture<Integer>> stage = new AtomicReference<>(
				client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode));
		await().atMost(Duration.ofSeconds(30)).until(() -> stage.get().isCompletedExceptionally());
		// Held until everything else this failure left behind was looked at: what is
		// reported after it is let go of is its own report.
		awaitDetectorCaughtUp();
		int reported = httpReports().size();
		stage.set(null);
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
			System.gc();
			assertThat(httpReports()).hasSize(reported + 1);
		});
	}

	@Test
	void failureOfTheApplicationsSubclassOfCompletableFutureTheJdkCallsIsReported() throws Exception {
		// A server that promises 100 bytes, sends 5 and closes the connection.
		try (ServerSocket truncating = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			Thread server = new Thread(() -> {
				try (Socket socket = truncating.accept()) {
					socket.getInputStream().read(new byte[8192]);
					socket.getOutputStream()
						.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"
							.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
				}
				catch (IOException ex) {
					// The test fails on what the client receives.
				}
			});
			server.start();
			int reported = bodyReports().size();
			HttpClient client = HttpClient.newHttpClient();
			HttpRequest request = HttpRequest.newBuilder(uri(truncating.getLocalPort())).build();
			// The JDK's code calls the subscriber's onError, which fails the subscriber,
			// a future of the application's that nobody reads. The client may also fail
			// the response itself.
			List<CompletableFuture<String>> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
			try {
				client.send(request, (info) -> {
					FailingSubscriber subscriber = new FailingSubscriber();
					bodies.add(subscriber.body);
					return subscriber;
				});
			}
			catch (IOException ex) {
				// The truncated body, seen by the response too.
			}
			assertThat(bodies).hasSize(1);
			assertThat(bodies.get(0).get(30, TimeUnit.SECONDS)).isEqualTo("onError");
			server.join(30_000);
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
				System.gc();
				assertThat(bodyReports()).hasSizeGreaterThan(reported);
			});
		}
	}

	@Test
	void truncatedBodiesTheApplicationHandlesAreNotReported() throws Exception {
		// A server that promises 1,000 bytes, sends 3 and closes the connection: the
		// client's body reader may fail before the JDK's code chains whenComplete on it
		// (Http1Response.readBody), a stage kept only by the connection.
		try (ServerSocket truncating = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			Thread server = new Thread(() -> {
				while (!truncating.isClosed()) {
					try (Socket socket = truncating.accept()) {
						socket.getInputStream().read(new byte[8192]);
						socket.getOutputStream()
							.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc"
								.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
					}
					catch (IOException ex) {
						// Closed by the test, or a client gone: the test fails on
						// what the client receives.
					}
				}
			});
			server.setDaemon(true);
			server.start();
			int reported = truncatedReports().size();
			HttpClient client = HttpClient.newHttpClient();
			HttpRequest request = HttpRequest.newBuilder(uri(truncating.getLocalPort())).build();
			for (int i = 0; i < 25; i++) {
				assertThatExceptionOfType(IOException.class)
					.isThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.ofString()));
				Throwable failure = client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
					.handle((response, ex) -> ex)
					.join();
				assertThat(failure).hasRootCauseInstanceOf(java.io.EOFException.class);
			}
			awaitDetectorCaughtUp();
			assertThat(truncatedReports()).hasSize(reported);
		}
	}

	@Test
	void futureBornFailedThatAClosedClientHandsTheApplicationIsReported() throws Exception {
		assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(21);
		HttpClient client = HttpClient.newHttpClient();
		// HttpClient is AutoCloseable from JDK 21.
		((AutoCloseable) (Object) client).close();
		int reported = closedReports().size();
		client.sendAsync(HttpRequest.newBuilder(uri(this.full.getLocalPort())).build(),
				HttpResponse.BodyHandlers.discarding());
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
			System.gc();
			assertThat(closedReports()).hasSizeGreaterThan(reported);
		});
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

	/**
	 * An HTTPS server whose certificate, made for the test, no default trust store
	 * trusts.
	 */
	private static HttpsServer httpsServerNobodyTrusts(Path directory) throws Exception {
		Path keyStore = directory.resolve("server.p12");
		char[] password = "changeit".toCharArray();
		Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
				"-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
				"-validity", "2", "-ext", "SAN=ip:" + InetAddress.getLoopbackAddress().getHostAddress(), "-storetype",
				"PKCS12", "-keystore", keyStore.toString(), "-storepass", "changeit", "-keypass", "changeit")
			.redirectErrorStream(true)
			.start();
		keytool.getInputStream().transferTo(OutputStream.nullOutputStream());
		assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(keytool.exitValue()).isZero();
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(keyStore)) {
			store.load(in, password);
		}
		KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		keys.init(store, password);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(keys.getKeyManagers(), null, null);
		HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.setHttpsConfigurator(new HttpsConfigurator(context));
		server.createContext("/", (exchange) -> {
			exchange.sendResponseHeaders(204, -1);
			exchange.close();
		});
		server.start();
		return server;
	}

	/**
	 * A body subscriber that is itself a future: failed by its {@code onError}, which the
	 * JDK's HTTP client calls; its body, another future, says which was called.
	 */
	static final class FailingSubscriber extends CompletableFuture<Void>
			implements HttpResponse.BodySubscriber<String> {

		private final CompletableFuture<String> body = new CompletableFuture<>();

		@Override
		public CompletionStage<String> getBody() {
			return this.body;
		}

		@Override
		public void onSubscribe(Flow.Subscription subscription) {
			subscription.request(Long.MAX_VALUE);
		}

		@Override
		public void onNext(List<ByteBuffer> item) {
		}

		@Override
		public void onError(Throwable throwable) {
			completeExceptionally(new IllegalStateException("body failed", throwable));
			this.body.complete("onError");
		}

		@Override
		public void onComplete() {
			this.body.complete("onComplete");
		}

	}

	private static List<LeakReport> bodyReports() {
		return allReports().stream()
			.filter((report) -> report.exception() != null && "body failed".equals(report.exception().getMessage()))
			.toList();
	}

	private static List<LeakReport> truncatedReports() {
		return allReports().stream().filter((report) -> {
			for (Throwable cause = report.exception(); cause != null; cause = cause.getCause()) {
				if (cause instanceof java.io.EOFException) {
					return true;
				}
			}
			return false;
		}).toList();
	}

	private static List<LeakReport> closedReports() {
		return allReports().stream()
			.filter((report) -> report.exception() instanceof IOException
					&& "closed".equals(report.exception().getMessage()))
			.toList();
	}

	private static URI uri(int port) {
		return URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port + "/");
	}

	private static List<LeakReport> httpReports() {
		return allReports().stream().filter((report) -> isHttpFailure(report.exception())).toList();
	}

	private static boolean isHttpFailure(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof java.net.ConnectException || cause instanceof HttpTimeoutException
					|| cause instanceof SSLException) {
				return true;
			}
		}
		return false;
	}

	private static long jdkOwnFailures() {
		return LeakedTasksAgent.tracker().orElseThrow().summary().jdkOwnFailures();
	}

}
