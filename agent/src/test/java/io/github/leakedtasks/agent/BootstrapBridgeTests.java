package io.github.leakedtasks.agent;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

import io.github.leakedtasks.agent.bootstrap.ConcurrentAccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The bridge on the boot class path holds every class of the agent's bootstrap package:
 * one left out (a nested class added to {@code FutureHooks}) would be found by no loader
 * from {@code java.util.concurrent}, and the hook that needs it would fail, caught and
 * silent. It alone is opened that package, and hands the agent's classes their access.
 */
class BootstrapBridgeTests {

	private static final String BOOTSTRAP = "io/github/leakedtasks/agent/bootstrap/";

	@Test
	void everyClassOfTheBootstrapPackageIsLoadedByTheBootLoader() throws Exception {
		List<String> classes = bootstrapClasses();
		assertThat(classes).contains("io.github.leakedtasks.agent.bootstrap.FutureHooks",
				"io.github.leakedtasks.agent.bootstrap.FutureHooks$CallerFrame",
				"io.github.leakedtasks.agent.bootstrap.FutureHooks$NextIsOwn");
		for (String name : classes) {
			assertThat(Class.forName(name, false, null).getClassLoader()).as(name).isNull();
		}
	}

	/**
	 * The agent's classes, of this test's package and loader, get private access to
	 * {@code java.util.concurrent} through the bridge, and to no other package.
	 */
	@Test
	void bridgeHandsTheAgentPrivateAccessToJavaUtilConcurrentAlone() throws Exception {
		MethodHandles.Lookup lookup = ConcurrentAccess.privateLookupIn(CompletableFuture.class);
		assertThat(lookup.lookupClass()).isEqualTo(CompletableFuture.class);
		assertThat(lookup.lookupModes() & MethodHandles.Lookup.PRIVATE).isNotZero();
		assertThat(lookup.findVarHandle(CompletableFuture.class, "result", Object.class)
			.get(CompletableFuture.completedFuture("done"))).isEqualTo("done");
		assertThatExceptionOfType(IllegalAccessException.class)
			.isThrownBy(() -> ConcurrentAccess.privateLookupIn(String.class))
			.withMessageContaining("java.lang.String is not a class of java.util.concurrent");
	}

	private static List<String> bootstrapClasses() throws IOException {
		String jar = System.getProperty("leaked-tasks.agent.jar");
		assertThat(jar).as("the agent's jar, given by the build").isNotNull();
		try (JarFile file = new JarFile(jar)) {
			return file.stream()
				.map(ZipEntry::getName)
				.filter((name) -> name.startsWith(BOOTSTRAP) && name.indexOf('/', BOOTSTRAP.length()) < 0)
				.filter((name) -> name.endsWith(".class") && !name.endsWith("package-info.class"))
				.map((name) -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
				.toList();
		}
	}

}
