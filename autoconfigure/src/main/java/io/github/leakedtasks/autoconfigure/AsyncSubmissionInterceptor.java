package io.github.leakedtasks.autoconfigure;

import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.leakedtasks.tracking.ExecutorTracking;
import io.github.leakedtasks.tracking.IntegrationSubmission;
import io.github.leakedtasks.tracking.TrackedTask;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.interceptor.AsyncExecutionAspectSupport;

/**
 * Runs on the caller's thread before Spring's {@code AsyncExecutionInterceptor}: starts
 * tracking the call as a task named by its method, and hands the caller a tracked view of
 * the future the executor returns. The task itself is followed by
 * {@link AsyncTaskInterceptor} on the executor's thread.
 *
 * @since 0.1.0
 */
final class AsyncSubmissionInterceptor implements MethodInterceptor {

	static final String TASK_ATTRIBUTE = AsyncSubmissionInterceptor.class.getName() + ".task";

	private static final Log logger = LogFactory.getLog(AsyncSubmissionInterceptor.class);

	private final AsyncExecutorNames executorNames;

	private final AsyncExecutionAspectSupport asyncInterceptor;

	private final AtomicBoolean failureLogged = new AtomicBoolean();

	AsyncSubmissionInterceptor(AsyncExecutorNames executorNames, AsyncExecutionAspectSupport asyncInterceptor) {
		this.executorNames = executorNames;
		this.asyncInterceptor = asyncInterceptor;
	}

	@Override
	public Object invoke(MethodInvocation invocation) throws Throwable {
		if (!(invocation instanceof ProxyMethodInvocation proxied)) {
			return invocation.proceed();
		}
		ExecutorTracking tracking;
		TrackedTask<Object> task;
		try {
			AsyncExecutorNames.AsyncTarget target = this.executorNames.targetOf(invocation, this.asyncInterceptor);
			if (target == null) {
				return invocation.proceed();
			}
			tracking = target.tracking();
			task = tracking.newTask(target.taskName(), target.deliversResult());
		}
		catch (VirtualMachineError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			// Bookkeeping never fails the caller's call: Spring runs it untracked, and
			// throws its own exception if it cannot.
			if (logger.isDebugEnabled() && this.failureLogged.compareAndSet(false, true)) {
				logger.debug("@Async method " + invocation.getMethod() + " runs untracked", ex);
			}
			return invocation.proceed();
		}
		proxied.setUserAttribute(TASK_ATTRIBUTE, task);
		Object result;
		try {
			// The executor's own tracking stands aside: the call is tracked here.
			result = IntegrationSubmission.run(invocation::proceed);
		}
		catch (Throwable ex) {
			// Spring refused the call (no executor, a rejected task): the caller gets the
			// exception, and the task will never run.
			task.abandon();
			throw ex;
		}
		return (result instanceof Future<?> future) ? tracking.publish(task, future) : result;
	}

}
