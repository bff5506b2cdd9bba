package io.github.leakedtasks.tracking;

import java.util.concurrent.Callable;

/**
 * Wraps a task handed to the executor, as a {@link Runnable} and as a {@link Callable}:
 * records when it starts and how it ends, and otherwise behaves exactly as the task.
 *
 * @param <V> the result type
 * @since 0.1.0
 */
public final class TrackedTask<V> implements Runnable, Callable<V> {

	static final int FUTURE = 0;

	static final int EXECUTE = 1;

	static final int PERIODIC = 2;

	TaskRecord record;

	private final Object task;

	private final int mode;

	/**
	 * The future handed to the caller, held while the task may still fail so that its
	 * failure can be watched.
	 */
	volatile Object future;

	TrackedTask(Object task, int mode) {
		this.task = task;
		this.mode = mode;
	}

	@Override
	public void run() {
		this.record.started();
		boolean done = this.mode != PERIODIC;
		try {
			((Runnable) this.task).run();
		}
		catch (Throwable ex) {
			done = true;
			failed(ex);
			throw ex;
		}
		finally {
			if (done) {
				finish();
			}
		}
	}

	@Override
	@SuppressWarnings("unchecked")
	public V call() throws Exception {
		this.record.started();
		try {
			return ((Callable<V>) this.task).call();
		}
		catch (Throwable ex) {
			failed(ex);
			throw ex;
		}
		finally {
			finish();
		}
	}

	/**
	 * Run an invocation as this task, for integrations whose task is a method call rather
	 * than a {@link Runnable} or {@link Callable}. A failure is recorded, then rethrown
	 * unchanged.
	 * @param invocation the invocation
	 * @return what the invocation returned
	 * @throws Throwable what the invocation threw
	 */
	public Object invoke(Invocation invocation) throws Throwable {
		this.record.started();
		try {
			return invocation.proceed();
		}
		catch (Throwable ex) {
			failed(ex);
			throw ex;
		}
		finally {
			finish();
		}
	}

	/**
	 * Record a failure the task delivered without throwing, such as a failed future it
	 * returned.
	 * @param failure the failure
	 */
	public void failedWith(Throwable failure) {
		failed(failure);
	}

	private void failed(Throwable ex) {
		if (this.mode == EXECUTE) {
			this.record.executor.uncaught(this.record, ex);
		}
		else {
			this.record.executor.failed(this.record, ex, this.future);
		}
	}

	private void finish() {
		this.future = null;
		this.record.executor.finished(this.record);
	}

	/**
	 * Forget this task because the executor refused it: the caller got the exception.
	 */
	void abandon() {
		this.record.retrieved();
		finish();
	}

	/**
	 * A method call run as a task.
	 */
	@FunctionalInterface
	public interface Invocation {

		Object proceed() throws Throwable;

	}

	@Override
	public String toString() {
		return this.task.toString();
	}

}
