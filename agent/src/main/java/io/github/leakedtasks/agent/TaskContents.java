package io.github.leakedtasks.agent;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.agent.bootstrap.ConcurrentAccess;

/**
 * Reads what the JDK's tasks run, to name a dropped task after the application's code:
 * the callable of a {@code FutureTask} (the runnable of one made from a runnable), the
 * function of the task behind {@code supplyAsync} or {@code runAsync}. Read only when an
 * executor lets go of a task, when a task fails or is overdue, and to tell whether a task
 * an executor let go of runs a wrapper's; a JDK that lays them out differently names the
 * task itself, and the agent says so once at start-up, at {@code DEBUG}.
 *
 * @since 0.1.0
 */
final class TaskContents {

	private static final String FUTURE = "java.util.concurrent.CompletableFuture";

	private static final String SPRING_ERROR_HANDLING = "org.springframework.scheduling.support.DelegatingErrorHandlingRunnable";

	private final Class<?> asyncSupply;

	private final Class<?> asyncRun;

	private final VarHandle callable;

	private final Class<?> runnableAdapter;

	private final VarHandle adapted;

	private final VarHandle supplier;

	private final VarHandle action;

	private final VarHandle state;

	private final VarHandle supplied;

	private final VarHandle ran;

	private final VarHandle result;

	private final Class<?> scheduledTask;

	private final VarHandle outerTask;

	/** What could not be read, as {@code Type.field}, or a missing type's name. */
	private final List<String> unreadable = new ArrayList<>();

	TaskContents() {
		this.asyncSupply = type(FUTURE + "$AsyncSupply");
		this.asyncRun = type(FUTURE + "$AsyncRun");
		this.runnableAdapter = type("java.util.concurrent.Executors$RunnableAdapter");
		this.callable = field(FutureTask.class, "callable", Callable.class);
		this.adapted = field(this.runnableAdapter, "task", Runnable.class);
		this.supplier = field(this.asyncSupply, "fn", java.util.function.Supplier.class);
		this.action = field(this.asyncRun, "fn", Runnable.class);
		this.state = field(FutureTask.class, "state", int.class);
		this.supplied = field(this.asyncSupply, "dep", CompletableFuture.class);
		this.ran = field(this.asyncRun, "dep", CompletableFuture.class);
		this.result = field(CompletableFuture.class, "result", Object.class);
		this.scheduledTask = type("java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask");
		// Where the field is known to be read only for periodic tasks.
		this.outerTask = (Runtime.version().feature() <= FutureInstrumentation.LAST_CHECKED_FEATURE)
				? field(this.scheduledTask, "outerTask", RunnableScheduledFuture.class) : null;
		sayUnreadable(this.unreadable);
	}

	/**
	 * Say once, at {@code DEBUG}, what of the JDK's tasks cannot be read, if anything.
	 */
	static void sayUnreadable(List<String> unreadable) {
		if (!unreadable.isEmpty()) {
			System.getLogger("io.github.leakedtasks")
				.log(System.Logger.Level.DEBUG, "The leaked-tasks agent cannot read " + unreadable
						+ " on this JDK: a task behind them is named after the JDK's own task, not the application's");
		}
	}

	/**
	 * Return the fields of the JDK's tasks that could not be read, as {@code Type.field},
	 * and the types that were missing: none on the JDKs the agent was checked on.
	 */
	List<String> unreadable() {
		return List.copyOf(this.unreadable);
	}

	/**
	 * Return whether a scheduled pool's class overrides
	 * {@code schedule(Runnable, long, TimeUnit)}; if that cannot be told, whether it is
	 * not the JDK's class.
	 */
	static boolean overridesSchedule(Class<?> pool) {
		if (pool == ScheduledThreadPoolExecutor.class) {
			return false;
		}
		try {
			return pool.getMethod("schedule", Runnable.class, long.class, TimeUnit.class)
				.getDeclaringClass() != ScheduledThreadPoolExecutor.class;
		}
		catch (NoSuchMethodException | RuntimeException ex) {
			return true;
		}
	}

	/**
	 * Return whether a task is Spring's {@code DelegatingErrorHandlingRunnable}, which a
	 * {@code ThreadPoolTaskScheduler} wraps around every task.
	 */
	static boolean isSpringErrorHandling(Object task) {
		return task.getClass().getName().equals(SPRING_ERROR_HANDLING);
	}

	/**
	 * Return the task Spring's error-handling task runs, read from its field on the way
	 * to a report (not cached: nothing of an application's class loader is kept), or
	 * {@code null} if it cannot be read.
	 */
	static Object springDelegate(Object task) {
		try {
			java.lang.reflect.Field delegate = task.getClass().getDeclaredField("delegate");
			delegate.setAccessible(true);
			return delegate.get(task);
		}
		catch (ReflectiveOperationException | RuntimeException | LinkageError ex) {
			return null;
		}
	}

	/**
	 * Mark a one-shot {@code ScheduledFutureTask} that {@code execute} made and handed to
	 * nobody, by clearing its {@code outerTask}: a field the pool reads only to requeue a
	 * periodic task (JDK 17 to 25, the only versions marked), which the constructors set
	 * to the task itself. A write of a field, no allocation: {@code execute} is a success
	 * path. Of another class (a subclass's {@code decorateTask}), a task is left
	 * unmarked.
	 */
	void markExecutedOnly(Object task) {
		if (this.outerTask != null && task.getClass() == this.scheduledTask
				&& !((RunnableScheduledFuture<?>) task).isPeriodic()) {
			this.outerTask.setRelease(task, null);
		}
	}

	/**
	 * Return whether a task was marked by {@link #markExecutedOnly}.
	 */
	boolean isExecutedOnly(Object task) {
		return this.outerTask != null && task.getClass() == this.scheduledTask
				&& !((RunnableScheduledFuture<?>) task).isPeriodic() && this.outerTask.getAcquire(task) == null;
	}

	/**
	 * Return whether what a drop needs can be read: a {@code FutureTask}'s state, or the
	 * future of {@code CompletableFuture}'s tasks.
	 */
	boolean canWatch(boolean async) {
		return async ? (this.supplied != null && this.ran != null && this.result != null) : this.state != null;
	}

	/**
	 * Return whether a task let go of may never run for good reason, or cannot be told
	 * apart: a periodic task, which waits between runs by design, or a scheduled task of
	 * a class other than the JDK's, whose {@code isPeriodic()} is not called.
	 */
	boolean isPeriodicOrUnknown(Object task) {
		if (task.getClass() == this.scheduledTask) {
			return ((RunnableScheduledFuture<?>) task).isPeriodic();
		}
		return task instanceof RunnableScheduledFuture<?>;
	}

	/**
	 * Return whether a task has settled, read from its fields rather than through methods
	 * a subclass may override: a {@code FutureTask} no longer new (completing, completed
	 * or cancelled), a task of {@code CompletableFuture} taken by a run or whose future
	 * is complete.
	 */
	boolean settled(Object task) {
		if (task instanceof FutureTask<?>) {
			// Volatile: read after the drop is watched, against a settling thread that
			// writes the state and then reads whether drops are watched.
			return (int) this.state.getVolatile(task) != 0;
		}
		Object future = future(task);
		return future == null || this.result.getVolatile(future) != null;
	}

	/**
	 * Return a {@code FutureTask}'s state field, for a test scope's wait (see
	 * {@code FutureEvents.readFutureTaskStates}), or -1 if it cannot be read.
	 */
	int futureTaskState(Object task) {
		try {
			return (this.state != null && task instanceof FutureTask<?>) ? (int) this.state.getVolatile(task) : -1;
		}
		catch (Throwable ex) {
			return -1;
		}
	}

	/**
	 * Return the future of one of {@code CompletableFuture}'s tasks, or {@code null} once
	 * a run took it.
	 */
	Object future(Object task) {
		Class<?> type = task.getClass();
		if (type == this.asyncSupply) {
			return this.supplied.get(task);
		}
		return (type == this.asyncRun) ? this.ran.get(task) : null;
	}

	/**
	 * Return the future a task completes: a {@code FutureTask} itself, the future of one
	 * of {@code CompletableFuture}'s tasks (see {@link #future}), or {@code null}.
	 */
	Object futureOf(Object task) {
		return (task instanceof FutureTask<?>) ? task : future(task);
	}

	/**
	 * Return whether a task is one of {@code CompletableFuture}'s, whose running the
	 * hooks report.
	 */
	boolean isAsyncTask(Object task) {
		Class<?> type = task.getClass();
		return type == this.asyncSupply || type == this.asyncRun;
	}

	/**
	 * Return the runnable a {@code FutureTask}'s callable adapts, or the callable.
	 */
	Object adapted(Object callable) {
		if (callable != null && callable.getClass() == this.runnableAdapter && this.adapted != null) {
			try {
				return this.adapted.get(callable);
			}
			catch (RuntimeException ex) {
				// Named after the callable.
			}
		}
		return callable;
	}

	/**
	 * Return what a task runs, or {@code null} if it cannot be read.
	 */
	Object userTask(Object task) {
		try {
			if (task instanceof FutureTask<?> && this.callable != null) {
				return adapted(this.callable.get(task));
			}
			if (task.getClass() == this.asyncSupply && this.supplier != null) {
				return this.supplier.get(task);
			}
			if (task.getClass() == this.asyncRun && this.action != null) {
				return this.action.get(task);
			}
		}
		catch (RuntimeException ex) {
			// Named after the task itself.
		}
		return null;
	}

	private Class<?> type(String name) {
		try {
			return Class.forName(name);
		}
		catch (ClassNotFoundException | LinkageError ex) {
			this.unreadable.add(name);
			return null;
		}
	}

	private VarHandle field(Class<?> type, String name, Class<?> fieldType) {
		return field(type, name, fieldType, this.unreadable);
	}

	/**
	 * Find a field of one of the JDK's types, noting it in {@code unreadable} if it
	 * cannot be read (the field missing, or access to it refused); a missing type was
	 * noted when it was looked up.
	 */
	static VarHandle field(Class<?> type, String name, Class<?> fieldType, List<String> unreadable) {
		if (type == null) {
			return null;
		}
		try {
			return ConcurrentAccess.privateLookupIn(type).findVarHandle(type, name, fieldType);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			unreadable.add(type.getName() + "." + name);
			return null;
		}
	}

}
