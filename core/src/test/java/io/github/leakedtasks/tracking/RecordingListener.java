package io.github.leakedtasks.tracking;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Listener that keeps what it receives, for assertions.
 */
class RecordingListener implements LeakListener {

	final List<LeakReport> leaks = new CopyOnWriteArrayList<>();

	final List<UncaughtReport> uncaught = new CopyOnWriteArrayList<>();

	final List<LeakGroup> newGroups = new CopyOnWriteArrayList<>();

	@Override
	public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
		this.leaks.add(report);
		if (newGroup) {
			this.newGroups.add(group);
		}
	}

	@Override
	public void onUncaught(UncaughtReport report) {
		this.uncaught.add(report);
	}

	List<LeakReport> leaksOf(String executor) {
		return this.leaks.stream().filter((report) -> report.executor().equals(executor)).toList();
	}

}
