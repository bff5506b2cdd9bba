package io.github.leakedtasks.tracking;

import java.lang.reflect.Method;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Says whether an executor submits tasks exactly as {@link AbstractExecutorService} does,
 * making a {@code FutureTask} and executing it: neither {@code submit} nor
 * {@code newTaskFor} is overridden. For such an executor the engine makes that
 * {@code FutureTask} itself, and the program sees the same object everywhere.
 *
 * @since 0.1.0
 */
final class StandardSubmission {

	private static final ClassValue<Boolean> STANDARD = new ClassValue<>() {

		@Override
		protected Boolean computeValue(Class<?> type) {
			return AbstractExecutorService.class.isAssignableFrom(type) && inherited(type);
		}

	};

	private static final ClassValue<Boolean> NEW_TASK_FOR_OF_THE_APPLICATION = new ClassValue<>() {

		@Override
		protected Boolean computeValue(Class<?> type) {
			try {
				return declaredByApplication(type, "newTaskFor", Callable.class)
						|| declaredByApplication(type, "newTaskFor", Runnable.class, Object.class);
			}
			catch (RuntimeException | LinkageError ex) {
				return true;
			}
		}

	};

	private static final ClassValue<Boolean> DECORATE_TASK_OF_THE_APPLICATION = new ClassValue<>() {

		@Override
		protected Boolean computeValue(Class<?> type) {
			try {
				return ScheduledThreadPoolExecutor.class.isAssignableFrom(type) && (declaredByApplication(type,
						"decorateTask", Runnable.class, RunnableScheduledFuture.class)
						|| declaredByApplication(type, "decorateTask", Callable.class, RunnableScheduledFuture.class));
			}
			catch (RuntimeException | LinkageError ex) {
				return true;
			}
		}

	};

	/**
	 * What the names of the subclasses that proxy libraries generate contain: Spring's
	 * and the older CGLIB's, Byte Buddy's (Mockito's), Weld's, Javassist's. (Not a bare
	 * {@code $$}: Scala names its anonymous classes {@code Outer$$anon$1}.)
	 */
	private static final String[] GENERATED = { "$$SpringCGLIB$$", "$$EnhancerBy", "$ByteBuddy$", "$MockitoMock$",
			"$$_Weld", "_$$_jvst" };

	/**
	 * Packages of frameworks whose executors' hooks hand the task on without reading it
	 * (Guava's listening decorator, the pool inside Spring's scheduler).
	 */
	private static final String[] FRAMEWORKS = { "org.springframework.", "com.google.common.", "io.micrometer.",
			"io.netty.", "reactor.", "io.opentelemetry." };

	private static final ClassValue<Boolean> INDISTINGUISHABLE = new ClassValue<>() {

		@Override
		protected Boolean computeValue(Class<?> type) {
			if (!(type.isHidden() || type.isAnonymousClass()) || type.getSuperclass() != Object.class) {
				return false;
			}
			for (Class<?> implemented : type.getInterfaces()) {
				if (implemented != Runnable.class && implemented != Callable.class) {
					return false;
				}
			}
			return true;
		}

	};

	private StandardSubmission() {
	}

	static boolean isStandard(Object executor) {
		return STANDARD.get(executor.getClass());
	}

	/**
	 * Whether a pool's {@code newTaskFor} is the application's, which receives what
	 * {@code submit} is given to make the pool's future from: the hook of a priority
	 * pool, which reads the task's priority from the task. A framework's (see
	 * {@link #FRAMEWORKS}), or one a proxy generated (see {@link #GENERATED}), is taken
	 * to hand the task on.
	 */
	static boolean receivesSubmitted(Object executor) {
		return (executor instanceof ScheduledThreadPoolExecutor) ? receivesScheduled(executor)
				: NEW_TASK_FOR_OF_THE_APPLICATION.get(executor.getClass());
	}

	/**
	 * Whether a scheduled pool's {@code decorateTask} is the application's, which
	 * receives what {@code schedule}, {@code execute} and {@code submit} are given.
	 */
	static boolean receivesScheduled(Object executor) {
		// Tested first: the look-up's answer for any other type is false, and the
		// starter's execute route asks for every executor it proxies.
		return executor instanceof ScheduledThreadPoolExecutor
				&& DECORATE_TASK_OF_THE_APPLICATION.get(executor.getClass());
	}

	/**
	 * Whether the engine's task may stand in for an application's task where an
	 * executor's own code receives it ({@code submit}, {@code newTaskFor},
	 * {@code decorateTask} of its own): only a lambda's or an anonymous class's, with no
	 * type but {@code Runnable} or {@code Callable} that code could test for. A task of a
	 * named class may be cast to it (a priority read from the task) or serialized, which
	 * the engine's task would change.
	 */
	static boolean mayStandIn(Object task) {
		try {
			return task == null || INDISTINGUISHABLE.get(task.getClass());
		}
		catch (RuntimeException | LinkageError ex) {
			return false;
		}
	}

	private static boolean inherited(Class<?> type) {
		try {
			return declaredByAbstractExecutorService(type, "submit", Callable.class)
					&& declaredByAbstractExecutorService(type, "submit", Runnable.class)
					&& declaredByAbstractExecutorService(type, "submit", Runnable.class, Object.class)
					&& declaredByAbstractExecutorService(type, "newTaskFor", Callable.class)
					&& declaredByAbstractExecutorService(type, "newTaskFor", Runnable.class, Object.class);
		}
		catch (RuntimeException | LinkageError ex) {
			return false;
		}
	}

	private static boolean declaredByAbstractExecutorService(Class<?> type, String name, Class<?>... parameters) {
		return declaredBy(AbstractExecutorService.class, type, name, parameters);
	}

	private static boolean declaredBy(Class<?> declarer, Class<?> type, String name, Class<?>... parameters) {
		Class<?> declaring = declaring(type, name, parameters);
		return declaring == declarer;
	}

	private static boolean declaredByApplication(Class<?> type, String name, Class<?>... parameters) {
		Class<?> declaring = declaring(type, name, true, parameters);
		if (declaring == null || declaring.getClassLoader() == null
				|| declaring.getClassLoader() == ClassLoader.getPlatformClassLoader()) {
			return false;
		}
		for (String framework : FRAMEWORKS) {
			if (declaring.getName().startsWith(framework)) {
				return false;
			}
		}
		return true;
	}

	private static Class<?> declaring(Class<?> type, String name, Class<?>... parameters) {
		return declaring(type, name, false, parameters);
	}

	private static boolean isGenerated(String className) {
		for (String marker : GENERATED) {
			if (className.contains(marker)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Return the class that declares the method a type runs, passing over classes a proxy
	 * generated (see {@link #GENERATED}), whose method calls the one it overrides, if
	 * asked to.
	 */
	private static Class<?> declaring(Class<?> type, String name, boolean skipGenerated, Class<?>... parameters) {
		for (Class<?> current = type; current != null; current = current.getSuperclass()) {
			if (skipGenerated && isGenerated(current.getName())) {
				continue;
			}
			for (Method method : current.getDeclaredMethods()) {
				if (method.getName().equals(name) && java.util.Arrays.equals(method.getParameterTypes(), parameters)
						&& !method.isBridge()) {
					return current;
				}
			}
		}
		return null;
	}

}
