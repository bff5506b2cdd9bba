package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The engine keeps nothing of an application's class loader in the JDK's classes: a web
 * application that bundles it and is undeployed lets its class loader go.
 */
class ClassLoaderRetentionTests {

	@Test
	void engineLoadedByAnApplicationsClassLoaderLetsItGoOnceClosed() throws Exception {
		WeakReference<ClassLoader> loader = runInOwnLoader();
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			System.gc();
			assertThat(loader.get()).as("the application's class loader").isNull();
		});
	}

	private static WeakReference<ClassLoader> runInOwnLoader() throws Exception {
		URL engine = TaskTracker.class.getProtectionDomain().getCodeSource().getLocation();
		URL probe = LoaderProbe.class.getProtectionDomain().getCodeSource().getLocation();
		try (URLClassLoader loader = new URLClassLoader(new URL[] { engine, probe },
				ClassLoader.getPlatformClassLoader())) {
			Class<?> type = loader.loadClass(LoaderProbe.class.getName());
			assertThat(type.getClassLoader()).isSameAs(loader);
			((Runnable) type.getConstructor().newInstance()).run();
			return new WeakReference<>(loader);
		}
	}

}
