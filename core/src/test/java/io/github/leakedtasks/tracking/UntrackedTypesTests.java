package io.github.leakedtasks.tracking;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for what {@link TaskTracker#untracked(String, String)} and the engine's own
 * sources leave untracked: listed once each, sorted, capped per reason, each said once at
 * DEBUG, and the overflow said once.
 */
class UntrackedTypesTests {

	private final TaskTracker tracker = TaskTracker.create(TrackingSettings.defaults());

	private final Logger logger = Logger.getLogger("io.github.leakedtasks");

	private final List<String> debugLines = new ArrayList<>();

	private final Handler handler = new Handler() {

		@Override
		public void publish(LogRecord record) {
			// Only this test's lines: a tracker another test left open may say more.
			String message = record.getMessage();
			if (record.getLevel() == Level.FINE
					&& (message.startsWith("com.example.") || message.startsWith("java.lang.String ")
							|| message.endsWith(": one reason") || message.endsWith(": reason 32"))) {
				UntrackedTypesTests.this.debugLines.add(message);
			}
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	};

	private final Level level = this.logger.getLevel();

	UntrackedTypesTests() {
		this.logger.addHandler(this.handler);
		this.logger.setLevel(Level.FINE);
	}

	@AfterEach
	void close() {
		this.logger.removeHandler(this.handler);
		this.logger.setLevel(this.level);
		this.tracker.close();
	}

	@Test
	void sourceSaysWhatItLeavesUntrackedOnceEach() {
		this.tracker.untracked("com.example.Pool", "its queue cannot be read");
		this.tracker.untracked("com.example.Pool", "its queue cannot be read");
		this.tracker.untracked("com.example.Future", "it cannot be read");
		this.tracker.reporter().untracked(String.class);
		assertThat(this.tracker.untrackedTypes()).containsExactly(
				new UntrackedType("com.example.Future", "it cannot be read"),
				new UntrackedType("com.example.Pool", "its queue cannot be read"),
				new UntrackedType("java.lang.String", UntrackedType.FUTURE_REASON));
		assertThat(this.debugLines).containsExactly("com.example.Pool is left untracked: its queue cannot be read",
				"com.example.Future is left untracked: it cannot be read",
				"java.lang.String is left untracked: " + UntrackedType.FUTURE_REASON);
	}

	@Test
	void typesPastTheCapOfAReasonAreNotListedAndThatIsSaidOnce() {
		for (int i = 0; i < 150; i++) {
			this.tracker.untracked("com.example.Type" + i, "one reason");
		}
		this.tracker.untracked("com.example.Other", "another reason");
		assertThat(this.tracker.untrackedTypes()).filteredOn((type) -> type.reason().equals("one reason")).hasSize(100);
		assertThat(this.tracker.untrackedTypes()).contains(new UntrackedType("com.example.Other", "another reason"));
		assertThat(this.debugLines).hasSize(102)
			.filteredOn((line) -> line.startsWith("More types are left untracked"))
			.containsExactly("More types are left untracked than the 100 listed for this reason, which are not said "
					+ "or listed: one reason");
	}

	@Test
	void reasonsPastTheirCapAreNotListed() {
		for (int i = 0; i < 40; i++) {
			this.tracker.untracked("com.example.Type", "reason " + i);
		}
		assertThat(this.tracker.untrackedTypes()).hasSize(32);
		assertThat(this.debugLines).hasSize(33)
			.filteredOn((line) -> line.startsWith("More reasons"))
			.containsExactly("More reasons to leave types untracked than the 32 listed; this "
					+ "one and its types are not said or listed: reason 32");
	}

	@Test
	void nullTypeOrReasonIsRefused() {
		assertThatNullPointerException().isThrownBy(() -> this.tracker.untracked(null, "reason")).withMessage("type");
		assertThatNullPointerException().isThrownBy(() -> this.tracker.untracked("type", null)).withMessage("reason");
		assertThat(this.tracker.untrackedTypes()).isEmpty();
	}

}
