package io.github.leakedtasks.tracking;

import java.lang.reflect.Method;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;

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

	private StandardSubmission() {
	}

	static boolean isStandard(Object executor) {
		return STANDARD.get(executor.getClass());
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
		for (Class<?> current = type; current != null; current = current.getSuperclass()) {
			for (Method method : current.getDeclaredMethods()) {
				if (method.getName().equals(name) && java.util.Arrays.equals(method.getParameterTypes(), parameters)) {
					return current == AbstractExecutorService.class;
				}
			}
		}
		return false;
	}

}
