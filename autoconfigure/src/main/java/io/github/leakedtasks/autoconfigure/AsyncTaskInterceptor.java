package io.github.leakedtasks.autoconfigure;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.github.leakedtasks.tracking.IntegrationSubmission;
import io.github.leakedtasks.tracking.TrackedTask;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.ProxyMethodInvocation;

/**
 * Runs on the executor's thread, after Spring's {@code AsyncExecutionInterceptor} handed
 * the call over: records how the {@code @Async} method ended. A failure is rethrown
 * unchanged, so Spring hands it to the future or to the
 * {@code AsyncUncaughtExceptionHandler} exactly as before.
 *
 * @since 0.1.0
 */
final class AsyncTaskInterceptor implements MethodInterceptor {

	@Override
	public Object invoke(MethodInvocation invocation) throws Throwable {
		if (!(invocation instanceof ProxyMethodInvocation proxied) || !(proxied
			.getUserAttribute(AsyncSubmissionInterceptor.TASK_ATTRIBUTE) instanceof TrackedTask<?> task)) {
			return invocation.proceed();
		}
		return task.invoke(() -> {
			Object result = IntegrationSubmission.outside(invocation::proceed);
			if (result instanceof CompletableFuture<?> future && future.isCompletedExceptionally()) {
				// Spring reads the returned future next and fails the task with its
				// failure.
				task.failedWith(failureOf(future));
			}
			return result;
		});
	}

	private static Throwable failureOf(CompletableFuture<?> future) {
		try {
			future.getNow(null);
			return null;
		}
		catch (CompletionException ex) {
			try {
				return (ex.getCause() != null) ? ex.getCause() : ex;
			}
			catch (RuntimeException | LinkageError unreadable) {
				// An exception of the application's whose cause cannot be read.
				return ex;
			}
		}
		catch (RuntimeException ex) {
			return ex;
		}
	}

}
