package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Field;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.support.DelegatingErrorHandlingRunnable;
import org.springframework.scheduling.support.ScheduledMethodRunnable;

/**
 * Looks inside the tasks Spring's schedulers wrap around the application's, so that a
 * task the Java agent sees on a {@code ThreadPoolTaskScheduler} is named after the
 * application's task, or the bean of a {@code @Scheduled} method, not after Spring's
 * wrapper, and a wrapper's task inside one is left to the wrapper.
 *
 * @since 0.1.0
 */
final class SpringTasks {

	private static final Log logger = LogFactory.getLog(SpringTasks.class);

	private static final Field DELEGATE = delegateField(DelegatingErrorHandlingRunnable.class);

	/**
	 * Spring's error-handling {@code Callable}, package-private, which
	 * {@code ThreadPoolTaskScheduler.submit(Callable)} wraps around every task.
	 */
	private static final Class<?> ERROR_HANDLING_CALLABLE = errorHandlingCallable();

	private static final Field CALLABLE_DELEGATE = (ERROR_HANDLING_CALLABLE != null)
			? delegateField(ERROR_HANDLING_CALLABLE) : null;

	private SpringTasks() {
	}

	/**
	 * Return the task a task of Spring's wraps, or {@code null}.
	 * @param task the task
	 * @return what it runs, or {@code null}
	 */
	static Object inner(Object task) {
		try {
			if (task instanceof DelegatingErrorHandlingRunnable && DELEGATE != null) {
				return DELEGATE.get(task);
			}
			if (task.getClass() == ERROR_HANDLING_CALLABLE && CALLABLE_DELEGATE != null) {
				return CALLABLE_DELEGATE.get(task);
			}
			if (task instanceof ScheduledMethodRunnable scheduled) {
				return scheduled.getTarget();
			}
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			// Named after Spring's task, then.
		}
		return null;
	}

	private static Field delegateField(Class<?> type) {
		try {
			Field field = type.getDeclaredField("delegate");
			field.setAccessible(true);
			return field;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			logger.debug("Tasks " + type.getName() + " wraps are named after it, and a wrapper's task inside it may be"
					+ " reported twice with the Java agent", ex);
			return null;
		}
	}

	private static Class<?> errorHandlingCallable() {
		try {
			return Class.forName("org.springframework.scheduling.concurrent.DelegatingErrorHandlingCallable", false,
					DelegatingErrorHandlingRunnable.class.getClassLoader());
		}
		catch (ClassNotFoundException | LinkageError ex) {
			logger.debug("Spring's error-handling Callable is not found: tasks it wraps are named after it", ex);
			return null;
		}
	}

}
