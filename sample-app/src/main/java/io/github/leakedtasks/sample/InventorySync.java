package io.github.leakedtasks.sample;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * Syncs inventory every second on a raw scheduler; the first exception stops it for good.
 *
 * @since 0.1.0
 */
@Component
public class InventorySync implements InitializingBean {

	private final ScheduledExecutorService scheduler;

	private final AtomicBoolean corrupt = new AtomicBoolean();

	private final AtomicLong runs = new AtomicLong();

	public InventorySync(ScheduledExecutorService inventoryScheduler) {
		this.scheduler = inventoryScheduler;
	}

	@Override
	public void afterPropertiesSet() {
		// Bug: the returned future is the only place the job's death would show.
		this.scheduler.scheduleAtFixedRate(this::sync, 1, 1, TimeUnit.SECONDS);
	}

	void corrupt() {
		this.corrupt.set(true);
	}

	long runs() {
		return this.runs.get();
	}

	private void sync() {
		this.runs.incrementAndGet();
		if (this.corrupt.get()) {
			throw new IllegalStateException("Inventory feed returned a corrupt record");
		}
	}

}
