package io.github.leakedtasks.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Puts the bridge ({@code FutureHooks}, {@code FutureSink}) on the boot class path, where
 * JDK code can call it, and opens {@code java.util.concurrent} to it alone: the agent's
 * own classes share the class path's unnamed module with the application's, and get their
 * access to the package through the bridge ({@code ConcurrentAccess}). The bridge is
 * named by strings here: a class literal would load it from the agent's jar, in the wrong
 * loader, before it is on the boot class path.
 *
 * @since 0.1.0
 */
final class BootstrapBridge {

	private static final String PACKAGE = "io.github.leakedtasks.agent.bootstrap.";

	static final String HOOKS = PACKAGE + "FutureHooks";

	private static final String ACCESS = PACKAGE + "ConcurrentAccess";

	private static final String[] BRIDGE = { PACKAGE + "FutureSink", PACKAGE + "WorkerSlot", ACCESS, HOOKS,
			HOOKS + "$CallerFrame", HOOKS + "$NextIsOwn" };

	private BootstrapBridge() {
	}

	/**
	 * Append the bridge to the boot class path, open {@code java.util.concurrent} to it,
	 * and admit the agent's classes to the bridge's lookups. Must run before anything
	 * loads the bridge's classes.
	 * @param instrumentation the instrumentation
	 * @return the bridge's hooks class, loaded by the boot loader and initialized
	 * @throws Exception if the bridge cannot be installed
	 */
	static Class<?> install(Instrumentation instrumentation) throws Exception {
		instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(writeJar().toFile()));
		Class<?> hooks = onBootClassPath(HOOKS);
		Class<?> access = onBootClassPath(ACCESS);
		// Admitted before the package is opened: it is never open to the bridge with
		// nobody admitted.
		access.getMethod("admit", Class.class).invoke(null, BootstrapBridge.class);
		Module base = CompletableFuture.class.getModule();
		instrumentation.redefineModule(base, Set.of(), Map.of(),
				Map.of("java.util.concurrent", Set.of(hooks.getModule())), Set.of(), Map.of());
		Class.forName(hooks.getName(), true, null);
		return hooks;
	}

	/**
	 * Return a class of the bridge as the agent's classes find it: its copy on the boot
	 * class path, unless the agent's loader defined one of its own before, which the
	 * JDK's code would not see and {@code ConcurrentAccess} would admit nobody to.
	 */
	private static Class<?> onBootClassPath(String name) throws ClassNotFoundException {
		Class<?> type = Class.forName(name, false, BootstrapBridge.class.getClassLoader());
		if (type.getClassLoader() != null) {
			throw new IllegalStateException("The bridge's " + name + " was loaded by " + type.getClassLoader()
					+ " before it could be put on the boot class path");
		}
		return type;
	}

	private static Path writeJar() throws IOException {
		Path jar = Files.createTempFile("leaked-tasks-bootstrap", ".jar");
		jar.toFile().deleteOnExit();
		try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
			for (String type : BRIDGE) {
				String resource = type.replace('.', '/') + ".class";
				out.putNextEntry(new JarEntry(resource));
				try (InputStream in = BootstrapBridge.class.getClassLoader().getResourceAsStream(resource)) {
					if (in == null) {
						throw new IOException("The agent's jar has no " + resource);
					}
					in.transferTo(out);
				}
				out.closeEntry();
			}
		}
		return jar;
	}

}
