package io.github.leakedtasks.agent;

import java.io.IOException;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge on the boot class path holds every class of the agent's bootstrap package:
 * one left out (a nested class added to {@code FutureHooks}) would be found by no loader
 * from {@code java.util.concurrent}, and the hook that needs it would fail, caught and
 * silent.
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
