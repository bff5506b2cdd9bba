package io.github.leakedtasks.agent.bootstrap;

import java.lang.invoke.MethodHandles;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands the agent's own classes lookups with private access to the classes of
 * {@code java.util.concurrent}, which {@code java.base} opens to the bridge alone. The
 * agent's classes are loaded from the class path, into the unnamed module the
 * application's classes share: opening the package to them would let the application's
 * code reflect into it as well, which it cannot do without the agent.
 * <p>
 * A caller is one of the agent's classes when it is of the same package and class loader
 * as the class the agent admitted at start-up, before any of the application's code ran.
 * Anyone else is refused as {@code MethodHandles.privateLookupIn} would refuse it.
 *
 * @since 0.1.0
 */
public final class ConcurrentAccess {

	private static final String PACKAGE = "java.util.concurrent";

	private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

	/** A class of the agent, whose package and loader every admitted caller shares. */
	private static final AtomicReference<Class<?>> AGENT = new AtomicReference<>();

	private ConcurrentAccess() {
	}

	/**
	 * Admit the classes of the given class's package and loader. Only the first call
	 * counts: the agent's, as it starts, before the application's {@code main}.
	 * @param agent a class of the agent
	 */
	public static void admit(Class<?> agent) {
		AGENT.compareAndSet(null, agent);
	}

	/**
	 * Return a lookup with private access to a class of {@code java.util.concurrent}, for
	 * one of the agent's classes.
	 * @param type the class
	 * @return the lookup
	 * @throws IllegalAccessException if the caller is not one of the agent's classes, or
	 * the class is not of {@code java.util.concurrent}
	 */
	public static MethodHandles.Lookup privateLookupIn(Class<?> type) throws IllegalAccessException {
		Class<?> caller = WALKER.getCallerClass();
		Class<?> agent = AGENT.get();
		if (agent == null || caller.getClassLoader() != agent.getClassLoader()
				|| !caller.getPackageName().equals(agent.getPackageName())) {
			throw new IllegalAccessException(caller.getName() + " is not a class of the leaked-tasks agent");
		}
		if (type.getClassLoader() != null || !PACKAGE.equals(type.getPackageName())) {
			throw new IllegalAccessException(type.getName() + " is not a class of " + PACKAGE);
		}
		return MethodHandles.privateLookupIn(type, MethodHandles.lookup());
	}

}
