package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.interceptor.AsyncExecutionInterceptor;
import org.springframework.scheduling.support.DelegatingErrorHandlingRunnable;
import org.springframework.scheduling.support.ScheduledMethodRunnable;

/**
 * Looks inside the tasks Spring's schedulers wrap around the application's, so that a
 * task the Java agent sees on a {@code ThreadPoolTaskScheduler} is named after the
 * application's task, or the bean of a {@code @Scheduled} method, not after Spring's
 * wrapper, and a wrapper's task inside one is left to the wrapper. Also looks inside the
 * task Spring's {@code @Async} interceptor hands its executor (a lambda that captures the
 * call), and the supplier {@code FutureUtils.callAsync} makes of it, to find the task the
 * starter records for the call: the agent then leaves that task to the starter's record
 * (an overdue {@code @Async} call is listed once, and the application's tasks queued with
 * it still are).
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

	/**
	 * The prefixes of the names of the lambdas' classes that capture an {@code @Async}
	 * call ({@code AsyncExecutionInterceptor.invoke}) and the {@code Callable} that
	 * {@code FutureUtils.callAsync} supplies the JDK with.
	 */
	private static final String ASYNC_CALL = AsyncExecutionInterceptor.class.getName() + "$$Lambda";

	private static final String CALL_ASYNC = "org.springframework.util.concurrent.FutureUtils$$Lambda";

	/**
	 * The field of a lambda of {@link #ASYNC_CALL} or {@link #CALL_ASYNC} that holds what
	 * it captured (the call, or the {@code Callable}), or {@code null}.
	 */
	private static final ClassValue<Field> CAPTURED = new ClassValue<>() {

		@Override
		protected Field computeValue(Class<?> type) {
			String name = type.getName();
			if (name.startsWith(ASYNC_CALL)) {
				return capturedField(type, MethodInvocation.class);
			}
			return name.startsWith(CALL_ASYNC) ? capturedField(type, Callable.class) : null;
		}

	};

	private static final AtomicBoolean lambdaUnreadable = new AtomicBoolean();

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
			Field captured = CAPTURED.get(task.getClass());
			if (captured != null) {
				Object inner = captured.get(task);
				return (inner instanceof ProxyMethodInvocation call)
						? call.getUserAttribute(AsyncSubmissionInterceptor.TASK_ATTRIBUTE) : inner;
			}
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			// Named after Spring's task, then.
		}
		return null;
	}

	/**
	 * Return the one field of a lambda's class that holds a value of a type, made
	 * accessible, or {@code null} (said once at DEBUG).
	 */
	private static Field capturedField(Class<?> lambda, Class<?> type) {
		try {
			Field found = null;
			for (Field field : lambda.getDeclaredFields()) {
				if (!Modifier.isStatic(field.getModifiers()) && field.getType() == type) {
					if (found != null) {
						found = null;
						break;
					}
					found = field;
				}
			}
			if (found != null) {
				found.setAccessible(true);
				return found;
			}
		}
		catch (RuntimeException | LinkageError ex) {
			// Said below.
		}
		if (lambdaUnreadable.compareAndSet(false, true)) {
			logger.debug("Spring's task " + lambda.getName() + " is not looked inside: with the Java agent, an @Async"
					+ " call queued overdue on an executor bean left unwrapped may be listed twice");
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
