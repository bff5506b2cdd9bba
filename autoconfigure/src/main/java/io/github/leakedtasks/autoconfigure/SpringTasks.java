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
 * wrapper.
 *
 * @since 0.1.0
 */
final class SpringTasks {

	private static final Log logger = LogFactory.getLog(SpringTasks.class);

	private static final Field DELEGATE = delegateField();

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
			if (task instanceof ScheduledMethodRunnable scheduled) {
				return scheduled.getTarget();
			}
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			// Named after Spring's task, then.
		}
		return null;
	}

	private static Field delegateField() {
		try {
			Field field = DelegatingErrorHandlingRunnable.class.getDeclaredField("delegate");
			field.setAccessible(true);
			return field;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			logger.debug("Tasks Spring's schedulers wrap are named after the wrapper", ex);
			return null;
		}
	}

}
