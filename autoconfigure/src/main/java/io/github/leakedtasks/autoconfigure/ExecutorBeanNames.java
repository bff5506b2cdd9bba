package io.github.leakedtasks.autoconfigure;

import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;

import io.github.leakedtasks.tracking.TaskTracker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.concurrent.ConcurrentTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.util.CustomizableThreadCreator;

/**
 * Names executor beans in the engine by identity, so that the futures the Java agent sees
 * fail on their threads are reported under the bean's name, like those of the bean's
 * wrapper: the bean, the JDK pool behind a Spring executor, and, for an executor that
 * starts a thread per task, its threads' name prefix.
 *
 * @since 0.1.0
 */
final class ExecutorBeanNames {

	private static final Log logger = LogFactory.getLog(ExecutorBeanNames.class);

	private ExecutorBeanNames() {
	}

	static void name(TaskTracker tracker, Executor executor, String beanName) {
		try {
			tracker.nameExecutor(executor, beanName);
			Executor pool = pool(executor);
			if (pool != null) {
				tracker.nameExecutor(pool, beanName);
			}
			else if (executor instanceof CustomizableThreadCreator creator && creator.getThreadNamePrefix() != null
					&& !creator.getThreadNamePrefix().isEmpty()) {
				tracker.nameThreads(creator.getThreadNamePrefix(), beanName);
			}
		}
		catch (RuntimeException ex) {
			// A pool not initialized, a user's override that throws: the agent then names
			// the bean's futures after its threads.
			logger.debug("Executor bean '" + beanName + "' is not named for the agent", ex);
		}
	}

	/**
	 * Have the Java agent watch the JDK pool behind an executor bean for overdue tasks,
	 * in place of a wrapper: only a {@code ThreadPoolExecutor} (the bean, the pool of a
	 * Spring executor, or the pool behind one of the JDK's delegating executors) that
	 * rejects a task by throwing, drops it with {@code DiscardPolicy}, discards the
	 * oldest with {@code DiscardOldestPolicy} (not a pool whose class overrides
	 * {@code getQueue()}, which may hand the policy a copy) or runs it with
	 * {@code CallerRunsPolicy} (which drops it once the pool is shut down; not a pool
	 * whose class overrides {@code isShutdown()}), whose drops the agent sees. A policy
	 * of the application's own may do anything: only a wrapper's record of each task
	 * notices.
	 * @return whether the agent watches it, so that the bean need not be wrapped
	 */
	static boolean watch(TaskTracker tracker, Executor executor, String beanName) {
		try {
			Executor pool = pool(executor);
			// The JDK's delegating executors (newSingleThreadExecutor and the like) hand
			// every call to their pool, whose calls the agent sees.
			Object watched = tracker.executorBehind((pool != null) ? pool : executor);
			if (!(watched instanceof ThreadPoolExecutor threadPool)) {
				return false;
			}
			Class<?> policy = threadPool.getRejectedExecutionHandler().getClass();
			// CallerRunsPolicy asks the pool's isShutdown(), which the agent reads from
			// the pool's state only where no subclass overrides it.
			boolean callerRuns = policy == ThreadPoolExecutor.CallerRunsPolicy.class
					&& isJdks(threadPool, "isShutdown");
			// DiscardOldestPolicy polls what getQueue() returns.
			boolean discardOldest = policy == ThreadPoolExecutor.DiscardOldestPolicy.class
					&& isJdks(threadPool, "getQueue");
			return (policy == ThreadPoolExecutor.AbortPolicy.class || policy == ThreadPoolExecutor.DiscardPolicy.class
					|| discardOldest || callerRuns) && tracker.watchOverdue(watched);
		}
		catch (RuntimeException | NoSuchMethodException ex) {
			logger.debug("Executor bean '" + beanName + "' is wrapped: the agent cannot watch its pool", ex);
			return false;
		}
	}

	private static boolean isJdks(ThreadPoolExecutor pool, String method) throws NoSuchMethodException {
		return pool.getClass().getMethod(method).getDeclaringClass() == ThreadPoolExecutor.class;
	}

	/**
	 * Return the JDK executor whose threads run a Spring executor's tasks, or
	 * {@code null}.
	 */
	private static Executor pool(Executor executor) {
		if (executor instanceof ThreadPoolTaskExecutor taskExecutor) {
			return taskExecutor.getThreadPoolExecutor();
		}
		if (executor instanceof ThreadPoolTaskScheduler scheduler) {
			return scheduler.getScheduledThreadPoolExecutor();
		}
		if (executor instanceof ConcurrentTaskExecutor concurrent) {
			return concurrent.getConcurrentExecutor();
		}
		return null;
	}

}
