package io.github.leakedtasks.tracking;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A user's own context-propagating wrapper: sets a thread-local around every task.
 */
class ContextExecutorService extends AbstractExecutorService {

	private final ExecutorService delegate;

	private final ThreadLocal<String> context;

	ContextExecutorService(ExecutorService delegate, ThreadLocal<String> context) {
		this.delegate = delegate;
		this.context = context;
	}

	@Override
	public void execute(Runnable command) {
		this.delegate.execute(() -> {
			this.context.set("propagated");
			try {
				command.run();
			}
			finally {
				this.context.remove();
			}
		});
	}

	@Override
	public void shutdown() {
		this.delegate.shutdown();
	}

	@Override
	public List<Runnable> shutdownNow() {
		return this.delegate.shutdownNow();
	}

	@Override
	public boolean isShutdown() {
		return this.delegate.isShutdown();
	}

	@Override
	public boolean isTerminated() {
		return this.delegate.isTerminated();
	}

	@Override
	public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
		return this.delegate.awaitTermination(timeout, unit);
	}

}
