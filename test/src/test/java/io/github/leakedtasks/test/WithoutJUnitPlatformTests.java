package io.github.leakedtasks.test;

import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import io.github.leakedtasks.tracking.TaskTracker;
import org.junit.jupiter.api.Test;
import org.junit.platform.commons.support.AnnotationSupport;

import org.springframework.test.context.TestExecutionListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The Spring listener where JUnit's platform and opentest4j are absent, as under JUnit 4
 * alone: it finds {@link AllowLeakedTasks} as JUnit's {@code AnnotationSupport} does, and
 * fails a test with a plain {@code AssertionError}.
 */
class WithoutJUnitPlatformTests {

	@Test
	void listenerFailsATestThatLostATaskAndLeavesAnAllowedOneWithoutTheJUnitPlatform() throws Exception {
		try (HidingJUnit loader = new HidingJUnit()) {
			assertThat(catchThrowable(() -> loader.loadClass("org.junit.platform.commons.support.AnnotationSupport")))
				.isInstanceOf(ClassNotFoundException.class);
			TestExecutionListener listener = (TestExecutionListener) loader
				.loadClass(LeakedTasksTestExecutionListener.class.getName())
				.getConstructor()
				.newInstance();
			TaskTracker tracker = Cases.tracker();
			ExecutorService pool = Cases.pool(tracker);
			try {
				Class<?> losing = loader.loadClass(Losing.class.getName());
				LeakedTasksSpringTests.OneTest test = new LeakedTasksSpringTests.OneTest(losing,
						losing.getDeclaredMethod("loses"));
				listener.beforeTestMethod(test);
				awaitDone(pool.submit(Cases.failing("lost without JUnit's platform")));
				Throwable failure = catchThrowable(() -> listener.afterTestMethod(test));
				assertThat(failure).isExactlyInstanceOf(AssertionError.class)
					.hasMessageStartingWith("Task exception was never retrieved")
					.hasMessageContaining("lost without JUnit's platform");

				Class<?> allowed = loader.loadClass(Allowed.class.getName());
				LeakedTasksSpringTests.OneTest allowedTest = new LeakedTasksSpringTests.OneTest(allowed,
						allowed.getDeclaredMethod("loses"));
				listener.beforeTestMethod(allowedTest);
				awaitDone(pool.submit(Cases.failing("lost on purpose")));
				listener.afterTestMethod(allowedTest);
			}
			finally {
				pool.shutdownNow();
				tracker.close();
			}
		}
	}

	/**
	 * Where {@code @AllowLeakedTasks} may be, found as JUnit finds it; the extension used
	 * JUnit's own look-up before.
	 */
	@Test
	void allowLeakedTasksIsFoundWhereJUnitFindsIt() throws Exception {
		List<AnnotatedElement> allowing = List.of(Allowed.class, Allowed.class.getDeclaredMethod("loses"),
				MetaAllowed.class, MetaMetaAllowed.class, InheritsAllowed.class, InheritsMetaAllowed.class,
				ImplementsAllowing.class, Losing.class.getDeclaredMethod("allowedByMeta"));
		List<AnnotatedElement> notAllowing = List.of(Losing.class, Losing.class.getDeclaredMethod("loses"),
				AllowingInterface.class.getDeclaredMethod("loses"), Object.class);
		for (AnnotatedElement element : allowing) {
			assertThat(AnnotationSupport.isAnnotated(element, AllowLeakedTasks.class)).as("JUnit, %s", element)
				.isTrue();
			assertThat(TestScopes.isAllowing(element)).as("%s", element).isTrue();
		}
		for (AnnotatedElement element : notAllowing) {
			assertThat(AnnotationSupport.isAnnotated(element, AllowLeakedTasks.class)).as("JUnit, %s", element)
				.isFalse();
			assertThat(TestScopes.isAllowing(element)).as("%s", element).isFalse();
		}
	}

	private static void awaitDone(Future<?> future) {
		await().until(future::isDone);
	}

	/**
	 * Loads this module's classes itself, and no class of JUnit's platform nor of
	 * opentest4j.
	 */
	private static final class HidingJUnit extends URLClassLoader {

		HidingJUnit() {
			super(new URL[] { location(LeakedTasksTestExecutionListener.class),
					location(WithoutJUnitPlatformTests.class) }, WithoutJUnitPlatformTests.class.getClassLoader());
		}

		private static URL location(Class<?> type) {
			return type.getProtectionDomain().getCodeSource().getLocation();
		}

		@Override
		protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
			if (name.startsWith("org.junit.platform.") || name.startsWith("org.opentest4j.")) {
				throw new ClassNotFoundException(name);
			}
			if (!name.startsWith(WithoutJUnitPlatformTests.class.getPackageName() + ".")) {
				return super.loadClass(name, resolve);
			}
			synchronized (getClassLoadingLock(name)) {
				Class<?> loaded = findLoadedClass(name);
				if (loaded == null) {
					loaded = findClass(name);
				}
				if (resolve) {
					resolveClass(loaded);
				}
				return loaded;
			}
		}

	}

	static class Losing {

		void loses() {
		}

		@MetaAllowing
		void allowedByMeta() {
		}

	}

	@AllowLeakedTasks
	static class Allowed {

		@AllowLeakedTasks
		void loses() {
		}

	}

	@Retention(RetentionPolicy.RUNTIME)
	@AllowLeakedTasks
	@interface MetaAllowing {

	}

	@Retention(RetentionPolicy.RUNTIME)
	@MetaAllowing
	@interface MetaMetaAllowing {

	}

	@Retention(RetentionPolicy.RUNTIME)
	@Inherited
	@MetaAllowing
	@interface InheritedMetaAllowing {

	}

	@MetaAllowing
	static class MetaAllowed {

	}

	@MetaMetaAllowing
	static class MetaMetaAllowed {

	}

	static class InheritsAllowed extends Allowed {

	}

	@InheritedMetaAllowing
	static class MetaAllowedBase {

	}

	static class InheritsMetaAllowed extends MetaAllowedBase {

	}

	@AllowLeakedTasks
	interface AllowingInterface {

		void loses();

	}

	static class ImplementsAllowing implements AllowingInterface {

		@Override
		public void loses() {
		}

	}

}
