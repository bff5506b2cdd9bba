package io.github.leakedtasks.agent;

import java.lang.invoke.VarHandle;
import java.util.concurrent.ExecutorService;
import java.util.function.UnaryOperator;

import io.github.leakedtasks.agent.bootstrap.ConcurrentAccess;

/**
 * Reads the pool behind the JDK's delegating executors ({@code newSingleThreadExecutor},
 * {@code newSingleThreadScheduledExecutor}, {@code unconfigurableExecutorService}), so
 * that a name given to one of them names the pool whose threads run its tasks.
 *
 * @since 0.1.0
 */
final class DelegatingExecutors implements UnaryOperator<Object> {

	private final Class<?> type;

	private final VarHandle delegate;

	DelegatingExecutors() throws ReflectiveOperationException {
		this.type = Class.forName("java.util.concurrent.Executors$DelegatedExecutorService", false, null);
		this.delegate = ConcurrentAccess.privateLookupIn(this.type)
			.findVarHandle(this.type, "e", ExecutorService.class);
	}

	@Override
	public Object apply(Object executor) {
		return this.type.isInstance(executor) ? this.delegate.get(executor) : null;
	}

}
