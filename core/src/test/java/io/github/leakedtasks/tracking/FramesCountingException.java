package io.github.leakedtasks.tracking;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A failure that counts how often its frames are read: reading them fills them in, and
 * the exception keeps them.
 */
final class FramesCountingException extends IllegalStateException {

	final AtomicInteger framesRead = new AtomicInteger();

	@Override
	public StackTraceElement[] getStackTrace() {
		this.framesRead.incrementAndGet();
		return super.getStackTrace();
	}

}
