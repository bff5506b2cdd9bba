package io.github.leakedtasks.autoconfigure;

import java.util.concurrent.Executor;

import io.github.leakedtasks.tracking.SharedTracker;
import io.github.leakedtasks.tracking.TaskTracker;

import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.util.ClassUtils;

/**
 * Wraps a Spring executor for tracking by hand, as the auto-configuration wraps executor
 * beans: for executors that are not beans, or applications that do not use the
 * auto-configuration.
 *
 * <pre class="code">
 * AsyncTaskExecutor executor = TrackedExecutors.wrap(tracker, "mail", new SimpleAsyncTaskExecutor());
 * </pre>
 *
 * @since 0.1.0
 */
public final class TrackedExecutors {

	private TrackedExecutors() {
	}

	/**
	 * Wrap an {@link AsyncTaskExecutor}, including {@code submitCompletable}, under a
	 * name. The result keeps the executor's class when a proxy can extend it, and is an
	 * {@link AsyncTaskExecutor} in any case.
	 * @param tracker the tracker
	 * @param name the executor's name in reports
	 * @param executor the executor
	 * @return the tracked executor
	 */
	public static AsyncTaskExecutor wrap(TaskTracker tracker, String name, AsyncTaskExecutor executor) {
		return (AsyncTaskExecutor) wrap(tracker, name, executor, AsyncTaskExecutor.class);
	}

	static Object wrap(TaskTracker tracker, String name, Executor executor, Class<?> declaredType) {
		if (ExecutorProxies.isWrapped(executor)) {
			return executor;
		}
		return ExecutorProxies
			.wrap(name, executor, declaredType, new ExecutorTrackingInterceptor(tracker.executor(name)),
					ClassUtils.getDefaultClassLoader(), SharedTracker.get().isPresent())
			.bean();
	}

}
