package io.github.leakedtasks.autoconfigure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.UncaughtReport;

/**
 * Listener bean that keeps what it receives, for assertions.
 */
class RecordingListener implements LeakListener {

	final List<LeakReport> leaks = new CopyOnWriteArrayList<>();

	final List<UncaughtReport> uncaught = new CopyOnWriteArrayList<>();

	@Override
	public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
		this.leaks.add(report);
	}

	@Override
	public void onUncaught(UncaughtReport report) {
		this.uncaught.add(report);
	}

	List<LeakReport> leaksOf(String task) {
		return this.leaks.stream().filter((report) -> report.task().equals(task)).toList();
	}

}
