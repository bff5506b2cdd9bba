package io.github.leakedtasks.tracking;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A group's leaks thrown at a frame none of its leaks was thrown at are new to the
 * listeners, so that each place of the code that loses them is logged.
 */
class LeakGroupsTests {

	@Test
	void leakThrownAtAFrameNewToItsGroupIsNewToTheListenersOnce() {
		LeakGroups groups = new LeakGroups(10);
		LeakGroups.Added first = groups.add(report(thrownHere()), LeakStatus.CONFIRMED);
		LeakGroups.Added elsewhere = groups.add(report(thrownThere()), LeakStatus.CONFIRMED);
		LeakGroups.Added again = groups.add(report(thrownThere()), LeakStatus.CONFIRMED);
		LeakGroups.Added back = groups.add(report(thrownHere()), LeakStatus.CONFIRMED);
		assertThat(List.of(first, elsewhere, again, back)).extracting(LeakGroups.Added::newGroup)
			.containsExactly(true, true, false, false);
		assertThat(groups.snapshot()).singleElement().satisfies((group) -> {
			assertThat(group.id()).isEqualTo(first.group().id());
			assertThat(group.count()).isEqualTo(4);
		});
	}

	@Test
	void frameAPlaceStartsThrowingAtPastItsFirstLeaksIsFoundBySampling() {
		LeakGroups groups = new LeakGroups(10);
		for (int i = 0; i < 20; i++) {
			groups.add(report(thrownHere()), LeakStatus.CONFIRMED);
		}
		// One in 100 has its frame read: never in 3,000 has a chance of 1 in 10^13.
		List<LeakGroups.Added> added = new ArrayList<>();
		for (int i = 0; i < 3_000; i++) {
			added.add(groups.add(report(thrownThere()), LeakStatus.CONFIRMED));
		}
		assertThat(added).filteredOn(LeakGroups.Added::newGroup).hasSize(1);
		assertThat(groups.snapshot()).singleElement().satisfies((group) -> assertThat(group.count()).isEqualTo(3_020));
	}

	@Test
	void framesNewToTheListenersAreCappedPerGroup() {
		LeakGroups groups = new LeakGroups(10);
		int news = 0;
		for (int frame = 0; frame < LeakGroups.MAX_FRAMES + 1; frame++) {
			// Past the group's first 10 leaks one in 100 is read: each frame is read at
			// least once in 2,000 but for a chance of 1 in 10^8.
			for (int i = 0; i < 2_000; i++) {
				if (groups.add(report(thrownAt("line" + frame)), LeakStatus.CONFIRMED).newGroup()) {
					news++;
				}
			}
		}
		// The group, then a frame new to it 15 times; the 17th is past the cap.
		assertThat(news).isEqualTo(LeakGroups.MAX_FRAMES);
	}

	@Test
	void framesOfUncaughtFailuresAreNotRead() {
		LeakGroups groups = new LeakGroups(10);
		FramesCountingException exception = new FramesCountingException();
		groups.add(new LeakReport(LeakKind.UNCAUGHT, "orders", "task", exception, null, "main", Instant.now()),
				LeakStatus.CONFIRMED);
		assertThat(exception.framesRead).hasValue(0);
	}

	@Test
	void exceptionWhoseFramesCannotBeReadSharesTheFrameOfExceptionsWithoutFrames() {
		LeakGroups groups = new LeakGroups(10);
		assertThat(groups.add(report(new OddFramesException(true)), LeakStatus.CONFIRMED).newGroup()).isTrue();
		assertThat(groups.add(report(new OddFramesException(false)), LeakStatus.CONFIRMED).newGroup()).isFalse();
		assertThat(groups.add(report(new OddFramesException(true)), LeakStatus.CONFIRMED).newGroup()).isFalse();
		assertThat(groups.snapshot()).singleElement().satisfies((group) -> assertThat(group.count()).isEqualTo(3));
	}

	@Test
	void placeBackAfterItsGroupWasEvictedIsNotLoggedForItsFramesAgainButForANewOne() {
		LeakGroups groups = new LeakGroups(1);
		groups.add(report(thrownAt("a")), LeakStatus.CONFIRMED);
		assertThat(groups.add(report(thrownAt("b")), LeakStatus.CONFIRMED).newGroup()).isTrue();
		// Evicts it.
		groups.add(report("other", thrownAt("a")), LeakStatus.CONFIRMED);
		List<Boolean> back = new ArrayList<>();
		for (String frame : List.of("b", "a", "c", "c")) {
			back.add(groups.add(report(thrownAt(frame)), LeakStatus.CONFIRMED).newGroup());
		}
		assertThat(back).containsExactly(false, false, true, false);
	}

	private static LeakReport report(Throwable exception) {
		return report("task", exception);
	}

	private static LeakReport report(String task, Throwable exception) {
		return new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "orders", task, exception, null, "main", Instant.now());
	}

	private static IllegalStateException thrownHere() {
		return new IllegalStateException("here");
	}

	private static IllegalStateException thrownThere() {
		return new IllegalStateException("there");
	}

	private static IllegalStateException thrownAt(String... methods) {
		IllegalStateException exception = new IllegalStateException("made");
		StackTraceElement[] frames = new StackTraceElement[methods.length];
		for (int i = 0; i < methods.length; i++) {
			frames[i] = new StackTraceElement("com.example.Orders", methods[i], null, 1);
		}
		exception.setStackTrace(frames);
		return exception;
	}

	static final class OddFramesException extends IllegalStateException {

		private final boolean unreadable;

		OddFramesException(boolean unreadable) {
			this.unreadable = unreadable;
		}

		@Override
		public StackTraceElement[] getStackTrace() {
			if (this.unreadable) {
				throw new UnsupportedOperationException("frames");
			}
			return new StackTraceElement[0];
		}

	}

}
