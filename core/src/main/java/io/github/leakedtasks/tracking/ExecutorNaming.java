package io.github.leakedtasks.tracking;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.function.UnaryOperator;

/**
 * Names the executors a source of events sees without wrapping them, such as the pools
 * whose threads a Java agent sees fail futures: an executor an integration named (a
 * Spring bean, by identity or by its threads' name prefix) under that name, the common
 * pool as {@code commonPool}, any other from its threads' names ({@code pool-3} for
 * {@code pool-3-thread-1}) or its class.
 * <p>
 * Names are looked up only when a future fails, never when it is created or succeeds.
 *
 * @since 0.1.0
 */
final class ExecutorNaming {

	/** The name of {@link ForkJoinPool#commonPool()}. */
	static final String COMMON_POOL = "commonPool";

	/**
	 * Thread-name prefixes named by integrations; a bean each, so bounded by the
	 * application's beans.
	 */
	static final int MAX_PREFIXES = 1_000;

	private final WeakIdentityMap<String> byIdentity = new WeakIdentityMap<>();

	private final Map<String, String> byThreadPrefix = new ConcurrentHashMap<>();

	/**
	 * Names read from the threads of executors no integration named, remembered when a
	 * worker starts, for the tasks they drop, which no worker thread runs.
	 */
	private final WeakIdentityMap<String> readFromThreads = new WeakIdentityMap<>();

	/**
	 * How far behind delegating executors a name is given: the JDK's wrap one pool, a
	 * user's may wrap theirs.
	 */
	private static final int MAX_DELEGATES = 4;

	private volatile UnaryOperator<Object> delegates = (executor) -> null;

	void name(Object executor, String name) {
		Object named = executor;
		for (int i = 0; named != null && i <= MAX_DELEGATES; i++) {
			this.byIdentity.put(named, name);
			named = delegateOf(named);
		}
	}

	void lookBehind(UnaryOperator<Object> delegates) {
		this.delegates = delegates;
	}

	/**
	 * Return the executor at the end of a chain of delegating executors, at most
	 * {@link #MAX_DELEGATES} deep: the executor itself if it delegates to none.
	 */
	Object behind(Object executor) {
		Object current = executor;
		for (int i = 0; i < MAX_DELEGATES; i++) {
			Object delegate = delegateOf(current);
			if (delegate == null) {
				break;
			}
			current = delegate;
		}
		return current;
	}

	private Object delegateOf(Object executor) {
		try {
			Object delegate = this.delegates.apply(executor);
			return (delegate != executor) ? delegate : null;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	void nameThreads(String threadNamePrefix, String name) {
		// The first executor named with a prefix keeps it: two executors with Spring's
		// default prefix, the class's name, are told apart by identity if at all.
		if (this.byThreadPrefix.size() < MAX_PREFIXES) {
			this.byThreadPrefix.putIfAbsent(threadNamePrefix, name);
		}
	}

	/**
	 * Return the name an integration gave the executor a thread works for, or
	 * {@code commonPool}.
	 * @param executor the executor the thread is a worker of, or {@code null} if it is
	 * not known to be one
	 * @param thread the thread, or {@code null} if no thread of the executor is at hand
	 * @return the name, or {@code null} if the executor has none of these names
	 */
	String givenName(Object executor, Thread thread) {
		String name = (executor != null) ? this.byIdentity.get(executor) : null;
		if (name != null) {
			return name;
		}
		String threadName = (thread != null) ? thread.getName() : "";
		String longest = null;
		for (Map.Entry<String, String> prefix : this.byThreadPrefix.entrySet()) {
			// The longest that matches: task- and task-scheduler- are two executors.
			if (threadName.startsWith(prefix.getKey())
					&& (longest == null || prefix.getKey().length() > longest.length())) {
				longest = prefix.getKey();
				name = prefix.getValue();
			}
		}
		if (name != null) {
			return name;
		}
		// Only a ForkJoinPool may be the common pool: asked otherwise, commonPool() would
		// make the common pool, maybe before the application's main set its properties.
		return (executor instanceof ForkJoinPool && executor == ForkJoinPool.commonPool()) ? COMMON_POOL : null;
	}

	/**
	 * Return a name for an executor no integration named: its threads' names without
	 * their counter or, if its threads have the JVM's default names, its class.
	 * @param executor the executor the thread is a worker of
	 * @param thread the thread
	 * @return the name
	 */
	static String readableName(Object executor, Thread thread) {
		String fromThreads = withoutCounter(thread.getName());
		if (!fromThreads.isEmpty() && !"Thread".equals(fromThreads)) {
			return fromThreads;
		}
		String type = executor.getClass().getSimpleName();
		return type.isEmpty() ? executor.getClass().getName() : type;
	}

	/**
	 * Note that a thread starts working for an executor, remembering the name read from
	 * it.
	 * @param executor the executor
	 * @param thread its new worker
	 */
	void workerStarted(Object executor, Thread thread) {
		if (this.byIdentity.get(executor) == null && this.readFromThreads.get(executor) == null) {
			this.readFromThreads.putIfAbsent(executor, readableName(executor, thread));
		}
	}

	/**
	 * Return the name read from an executor's threads, or its class if no worker of it
	 * was seen starting.
	 * @param executor the executor
	 * @return the name
	 */
	String rememberedName(Object executor) {
		return rememberedName(executor, null);
	}

	/**
	 * Return the name read from an executor's threads when its first worker started (a
	 * thread renamed since does not rename the executor), else from this worker, else its
	 * class.
	 * @param executor the executor
	 * @param worker a thread of the executor, or {@code null}
	 * @return the name
	 */
	String rememberedName(Object executor, Thread worker) {
		String name = this.readFromThreads.get(executor);
		if (name != null) {
			return name;
		}
		if (worker != null) {
			return readableName(executor, worker);
		}
		String type = executor.getClass().getSimpleName();
		return type.isEmpty() ? executor.getClass().getName() : type;
	}

	/**
	 * Drop what tells a pool's threads apart: {@code pool-3-thread-1} is {@code pool-3},
	 * {@code ForkJoinPool-2-worker-5} is {@code ForkJoinPool-2}, {@code billing-7} is
	 * {@code billing}.
	 */
	static String withoutCounter(String threadName) {
		int end = threadName.length();
		while (end > 0 && Character.isDigit(threadName.charAt(end - 1))) {
			end--;
		}
		if (end == threadName.length() || end == 0) {
			return threadName;
		}
		String prefix = threadName.substring(0, end);
		for (String suffix : new String[] { "-thread-", "-worker-", "-", "_", "#", " " }) {
			if (prefix.endsWith(suffix)) {
				return prefix.substring(0, prefix.length() - suffix.length());
			}
		}
		return prefix;
	}

}
