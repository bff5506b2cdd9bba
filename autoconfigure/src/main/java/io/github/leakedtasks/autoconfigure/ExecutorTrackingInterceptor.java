package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.ExecutorTracking;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.ProxyMethodInvocation;

/**
 * Intercepts the task-submitting methods of an executor bean's proxy and routes them
 * through the engine; every other method, and Spring's {@code TaskScheduler} methods
 * (whose periodic tasks log their errors and go on), pass through unchanged.
 *
 * @since 0.1.0
 */
final class ExecutorTrackingInterceptor implements MethodInterceptor {

	private final ExecutorTracking tracking;

	ExecutorTrackingInterceptor(ExecutorTracking tracking) {
		this.tracking = tracking;
	}

	ExecutorTracking tracking() {
		return this.tracking;
	}

	@Override
	public Object invoke(MethodInvocation invocation) throws Throwable {
		Method method = invocation.getMethod();
		Object[] args = invocation.getArguments();
		if (AsyncSubmissionInterceptor.isSubmitting() || args.length == 0 || args[0] == null
				|| !(invocation instanceof ProxyMethodInvocation proxied)) {
			return proceedOrTrackShutdown(invocation, method);
		}
		Class<?>[] types = method.getParameterTypes();
		String name = method.getName();
		switch (name) {
			case "execute":
				if (types[0] == Runnable.class) {
					this.tracking.execute((Runnable) args[0], null,
							(tracked) -> proceed(proxied, replaceFirst(args, tracked)));
					return null;
				}
				break;
			case "submit":
				if (types.length == 1 && types[0] == Callable.class) {
					return this.tracking.submit((Callable<?>) args[0], null,
							(tracked) -> (Future) proceed(proxied, replaceFirst(args, tracked)));
				}
				if (types[0] == Runnable.class) {
					return this.tracking.submitRunnable((Runnable) args[0], null,
							(tracked) -> (Future) proceed(proxied, replaceFirst(args, tracked)));
				}
				break;
			case "submitCompletable":
				if (types.length == 1) {
					return this.tracking.submitCompletable(args[0], null,
							(tracked) -> (CompletableFuture) proceed(proxied, replaceFirst(args, tracked)));
				}
				break;
			case "schedule":
				if (isScheduledExecutorMethod(types, 3)) {
					return this.tracking.schedule(args[0], (long) args[1], (TimeUnit) args[2],
							(tracked) -> (ScheduledFuture) proceed(proxied, replaceFirst(args, tracked)));
				}
				break;
			case "scheduleAtFixedRate":
			case "scheduleWithFixedDelay":
				if (isScheduledExecutorMethod(types, 4)) {
					return this.tracking.schedulePeriodic((Runnable) args[0],
							(tracked) -> (ScheduledFuture) proceed(proxied, replaceFirst(args, tracked)));
				}
				break;
			default:
		}
		return proceedOrTrackShutdown(invocation, method);
	}

	private Object proceedOrTrackShutdown(MethodInvocation invocation, Method method) throws Throwable {
		Object result = invocation.proceed();
		if (method.getName().equals("shutdownNow") && method.getParameterCount() == 0) {
			this.tracking.droppedOnShutdownNow();
		}
		return result;
	}

	/**
	 * Whether a method is one of {@link ScheduledExecutorService}'s, as opposed to a
	 * {@code TaskScheduler} method of the same name.
	 */
	private static boolean isScheduledExecutorMethod(Class<?>[] types, int count) {
		return types.length == count && types[count - 1] == TimeUnit.class;
	}

	private static Object[] replaceFirst(Object[] args, Object first) {
		Object[] replaced = args.clone();
		replaced[0] = first;
		return replaced;
	}

	private static Object proceed(ProxyMethodInvocation invocation, Object[] args) {
		ProxyMethodInvocation copy = (ProxyMethodInvocation) invocation.invocableClone(args);
		try {
			return copy.proceed();
		}
		catch (Throwable ex) {
			throw Sneaky.<RuntimeException>rethrow(ex);
		}
	}

	/**
	 * Rethrows a checked exception from a method that cannot declare it; the executor's
	 * exception reaches the caller unchanged.
	 */
	private static final class Sneaky {

		@SuppressWarnings("unchecked")
		static <T extends Throwable> T rethrow(Throwable ex) throws T {
			throw (T) ex;
		}

	}

}
