package io.github.leakedtasks.agent;

import java.util.AbstractCollection;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Two tasks for {@code invokeAll}, the first failing: the second is handed out only once
 * the first's thread has ended, so that its future failed while {@code invokeAll} was
 * still submitting, and {@code invokeAll}, finding it done, does not read it.
 */
final class FirstFailsFirst extends AbstractCollection<Callable<Object>> {

	private final AtomicReference<Thread> failing = new AtomicReference<>();

	private final CountDownLatch failingStarted = new CountDownLatch(1);

	private final Callable<Object> first;

	private final Callable<Object> second;

	FirstFailsFirst(String marker, Callable<Object> second) {
		this.first = () -> {
			this.failing.set(Thread.currentThread());
			this.failingStarted.countDown();
			throw new IllegalStateException(marker);
		};
		this.second = second;
	}

	@Override
	public int size() {
		return 2;
	}

	@Override
	public Iterator<Callable<Object>> iterator() {
		return new Iterator<>() {

			private int next;

			@Override
			public boolean hasNext() {
				return this.next < 2;
			}

			@Override
			public Callable<Object> next() {
				switch (this.next++) {
					case 0:
						return FirstFailsFirst.this.first;
					case 1:
						awaitFirstEnded();
						return FirstFailsFirst.this.second;
					default:
						throw new NoSuchElementException();
				}
			}

		};
	}

	private void awaitFirstEnded() {
		try {
			if (!this.failingStarted.await(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("The first task never ran");
			}
			// A thread keeps its task, here the first future: let go of the thread.
			Thread thread = this.failing.getAndSet(null);
			thread.join(30_000);
			if (thread.isAlive()) {
				throw new IllegalStateException("The first task's thread never ended");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
