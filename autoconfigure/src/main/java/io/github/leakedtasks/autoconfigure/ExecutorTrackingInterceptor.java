package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.ExecutorTracking;
import io.github.leakedtasks.tracking.IntegrationSubmission;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.framework.Advised;
import org.springframework.core.task.AsyncTaskExecutor;

/**
 * Intercepts the task-submitting methods of an executor bean's proxy and routes them
 * through the engine; every other method, and Spring's {@code TaskScheduler} methods
 * (whose periodic tasks log their errors and go on), pass through unchanged. A
 * class-based proxy's calls come to {@link #route} from {@link DirectExecutorCalls} while
 * this is the proxy's only advice, and through Spring AOP's chain otherwise.
 *
 * @since 0.1.0
 */
final class ExecutorTrackingInterceptor implements MethodInterceptor {

	private final ExecutorTracking tracking;

	private final Map<Method, Route> routes = new ConcurrentHashMap<>();

	/**
	 * The target of the proxy this interceptor was made for, if its class leaves
	 * {@code submitCompletable(Callable)} to {@link AsyncTaskExecutor}'s default method:
	 * looked up once rather than on every call.
	 */
	private volatile Executor callingAsync;

	ExecutorTrackingInterceptor(ExecutorTracking tracking) {
		this.tracking = tracking;
	}

	/**
	 * Note the target of the proxy this interceptor was made for.
	 * @param target the proxy's target
	 */
	void proxying(Object target) {
		if (target instanceof Executor executor && DefaultSubmitCompletable.INSTANCE.get(target.getClass())) {
			this.callingAsync = executor;
		}
	}

	ExecutorTracking tracking() {
		return this.tracking;
	}

	@Override
	@SuppressWarnings("unchecked")
	public Object invoke(MethodInvocation invocation) throws Throwable {
		Route route = this.routes.computeIfAbsent(invocation.getMethod(), Route::of);
		Object[] args = invocation.getArguments();
		if (route == Route.PASS || route == Route.SHUTDOWN_NOW || IntegrationSubmission.isActive() || args[0] == null
				|| !(invocation instanceof ProxyMethodInvocation proxied)) {
			Object result = invocation.proceed();
			if (route == Route.SHUTDOWN_NOW && result instanceof List<?> pending) {
				return this.tracking.handedBack((List<Runnable>) pending);
			}
			return result;
		}
		// Spring lets interceptors change the invocation's argument array, which is its
		// own: proceeding passes on what route put in it.
		return route(route, invocation.getThis(), args, isSoleAdvice(proxied), (arguments) -> invocation.proceed());
	}

	/**
	 * Route a call of a task-submitting method through the engine.
	 * @param route the method's route, neither {@link Route#PASS} nor
	 * {@link Route#SHUTDOWN_NOW}
	 * @param target the executor the proxy stands for
	 * @param args the call's arguments, the first not {@code null}: the array is the
	 * call's own, and the tracked task replaces the caller's in it
	 * @param soleAdvice whether this interceptor is the proxy's only advice, so that it
	 * may do what the target's method does instead of calling it: advice added after it,
	 * such as another post-processor's, must still run
	 * @param method calls the target's method, with the arguments of the array
	 * @return what the caller receives
	 * @throws Throwable what the target's method threw, unchanged
	 */
	Object route(Route route, Object target, Object[] args, boolean soleAdvice, TargetMethod method) throws Throwable {
		switch (route) {
			case EXECUTE -> {
				// The decorator must be given the application's own Runnable, which it
				// may inspect; a scheduler's error handler receives what the task throws,
				// which is then no uncaught failure; and Spring's executors cancel an
				// executed Future they will not run (shutdown, close): such a task runs
				// untracked.
				if (ExecutorFields.TASK_DECORATOR.isSet(target) || ExecutorFields.ERROR_HANDLER.isSet(target)
						|| args[0] instanceof Future || this.tracking.handsOverScheduled(target, args[0])) {
					return method.call(args);
				}
				this.tracking.execute((Runnable) args[0], null, (tracked) -> callWith(method, args, tracked));
				return null;
			}
			case SUBMIT_CALLABLE -> {
				if (target instanceof Executor executor && ExecutorTracking.submitsFutureTasks(executor)
						&& soleAdvice) {
					// As the JDK's submit: the FutureTask the pool runs, and its
					// afterExecute reads, is the caller's.
					return this.tracking.submitAsFutureTask((Callable<?>) args[0], executor);
				}
				if (this.tracking.handsOver(target, args[0])) {
					// A pool whose newTaskFor reads the task it receives.
					return method.call(args);
				}
				return this.tracking.submit((Callable<?>) args[0], null,
						(tracked) -> (Future) callWith(method, args, tracked));
			}
			case SUBMIT_RUNNABLE -> {
				if (target instanceof Executor executor && ExecutorTracking.submitsFutureTasks(executor)
						&& soleAdvice) {
					return this.tracking.submitAsFutureTask((Runnable) args[0], (args.length > 1) ? args[1] : null,
							executor);
				}
				if (this.tracking.handsOver(target, args[0])) {
					return method.call(args);
				}
				return this.tracking.submitRunnable((Runnable) args[0], null,
						(tracked) -> (Future) callWith(method, args, tracked));
			}
			case SUBMIT_COMPLETABLE_CALLABLE, SUBMIT_COMPLETABLE -> {
				if (route == Route.SUBMIT_COMPLETABLE_CALLABLE && target instanceof Executor executor
						&& (target == this.callingAsync || DefaultSubmitCompletable.INSTANCE.get(target.getClass()))
						&& soleAdvice) {
					// What AsyncTaskExecutor's default method does, the tracked future
					// completed by the JDK's task: no future of the executor to mirror.
					return this.tracking.callAsync((Callable<?>) args[0], executor);
				}
				return this.tracking.submitCompletable(args[0], null,
						(tracked) -> (CompletableFuture) callWith(method, args, tracked));
			}
			case SCHEDULE -> {
				if (this.tracking.handsOverScheduled(target, args[0])) {
					// A pool whose decorateTask reads the task it receives.
					return method.call(args);
				}
				return this.tracking.schedule(args[0], (long) args[1], (TimeUnit) args[2],
						(tracked) -> (ScheduledFuture) callWith(method, args, tracked));
			}
			case SCHEDULE_PERIODIC -> {
				if (this.tracking.handsOverScheduled(target, args[0])) {
					return method.call(args);
				}
				return this.tracking.schedulePeriodic((Runnable) args[0],
						(tracked) -> (ScheduledFuture) callWith(method, args, tracked));
			}
			default -> {
				return method.call(args);
			}
		}
	}

	/**
	 * Whether this interceptor is the only advice of the proxy, so that it may do what
	 * the target's method does instead of proceeding: advice added after it, such as
	 * another post-processor's, must still run.
	 */
	private static boolean isSoleAdvice(ProxyMethodInvocation invocation) {
		return invocation.getProxy() instanceof Advised advised && advised.getAdvisorCount() == 1;
	}

	/**
	 * Hand the tracked task to the executor in place of the caller's.
	 */
	private static Object callWith(TargetMethod method, Object[] args, Object tracked) {
		args[0] = tracked;
		try {
			return method.call(args);
		}
		catch (Throwable ex) {
			throw Sneaky.<RuntimeException>rethrow(ex);
		}
	}

	/**
	 * Calls the target's own method.
	 */
	@FunctionalInterface
	interface TargetMethod {

		/**
		 * Call the target's method.
		 * @param args the arguments
		 * @return what it returned
		 * @throws Throwable what it threw
		 */
		Object call(Object[] args) throws Throwable;

	}

	/**
	 * What an executor method does with its task, decided once per method.
	 */
	enum Route {

		EXECUTE(void.class), SUBMIT_CALLABLE(Future.class), SUBMIT_RUNNABLE(Future.class),
		SUBMIT_COMPLETABLE(CompletableFuture.class), SUBMIT_COMPLETABLE_CALLABLE(CompletableFuture.class),
		SCHEDULE(ScheduledFuture.class), SCHEDULE_PERIODIC(ScheduledFuture.class), SHUTDOWN_NOW(null),

		/**
		 * Everything else, including Spring's {@code TaskScheduler} methods.
		 */
		PASS(null);

		private final Class<?> returnType;

		Route(Class<?> returnType) {
			this.returnType = returnType;
		}

		/**
		 * Return the route of a method. A method whose return type is not exactly what
		 * the engine returns passes through: the engine's future could not be cast to a
		 * narrower type, such as netty's {@code io.netty.util.concurrent.Future}.
		 */
		static Route of(Method method) {
			Route route = byName(method);
			return (route.returnType == null || method.getReturnType() == route.returnType) ? route : PASS;
		}

		/**
		 * Whether a method submits a task by its name and parameters, but returns a type
		 * other than the one the engine returns.
		 */
		static boolean isUnroutable(Method method) {
			Route route = byName(method);
			return route.returnType != null && method.getReturnType() != route.returnType;
		}

		private static Route byName(Method method) {
			Class<?>[] types = method.getParameterTypes();
			int count = types.length;
			return switch (method.getName()) {
				case "execute" -> (count == 1 && types[0] == Runnable.class) ? EXECUTE : PASS;
				case "submit" -> (count == 1 && types[0] == Callable.class) ? SUBMIT_CALLABLE
						: (count >= 1 && types[0] == Runnable.class) ? SUBMIT_RUNNABLE : PASS;
				case "submitCompletable" -> (count != 1) ? PASS
						: (types[0] == Callable.class) ? SUBMIT_COMPLETABLE_CALLABLE : SUBMIT_COMPLETABLE;
				// ScheduledExecutorService's methods end with a TimeUnit; TaskScheduler's
				// of the same name do not.
				case "schedule" -> (count == 3 && types[2] == TimeUnit.class) ? SCHEDULE : PASS;
				case "scheduleAtFixedRate", "scheduleWithFixedDelay" ->
					(count == 4 && types[3] == TimeUnit.class) ? SCHEDULE_PERIODIC : PASS;
				case "shutdownNow" -> (count == 0) ? SHUTDOWN_NOW : PASS;
				default -> PASS;
			};
		}

	}

	/**
	 * Whether an executor class leaves {@code submitCompletable(Callable)} to
	 * {@link AsyncTaskExecutor}'s default method, which hands the task and the executor
	 * itself to {@code FutureUtils.callAsync}, that is to
	 * {@code CompletableFuture.completeAsync}: the engine can then do the same with its
	 * own future, rather than mirror the executor's. A class that overrides it, or any
	 * class when the method cannot be looked up, gets the mirror. ({@code runAsync}, the
	 * default for a {@code Runnable}, hands the executor a task of another class, which a
	 * {@code TaskDecorator} may tell apart: a {@code Runnable} always gets the mirror.)
	 */
	private static final class DefaultSubmitCompletable extends ClassValue<Boolean> {

		private static final DefaultSubmitCompletable INSTANCE = new DefaultSubmitCompletable();

		@Override
		protected Boolean computeValue(Class<?> type) {
			if (!AsyncTaskExecutor.class.isAssignableFrom(type)) {
				return false;
			}
			try {
				Method method = type.getMethod("submitCompletable", Callable.class);
				return method.isDefault() && method.getDeclaringClass() == AsyncTaskExecutor.class;
			}
			catch (NoSuchMethodException | RuntimeException | LinkageError ex) {
				// A signature naming a class that cannot be loaded, for one: the call
				// then goes through the executor's own method, mirrored.
				return false;
			}
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
