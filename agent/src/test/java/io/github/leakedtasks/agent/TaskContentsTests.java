package io.github.leakedtasks.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TaskContents}: what of the JDK's tasks it reads, and what it says when
 * it cannot.
 */
class TaskContentsTests {

	@Test
	void everyFieldItReadsIsFoundOnThisJdk() {
		// Run on JDK 17 and Temurin 25 by CI: a JDK that moved one of these fails here
		// first.
		assertThat(new TaskContents().unreadable()).isEmpty();
	}

	@Test
	void aFieldThatCannotBeReadIsNotedAndTheOthersAreRead() {
		List<String> unreadable = new ArrayList<>();
		assertThat(TaskContents.field(FutureTask.class, "noSuchField", int.class, unreadable)).isNull();
		assertThat(TaskContents.field(FutureTask.class, "state", int.class, unreadable)).isNotNull();
		assertThat(TaskContents.field(FutureTask.class, "state", long.class, unreadable)).isNull();
		assertThat(TaskContents.field(null, "fn", Runnable.class, unreadable)).isNull();
		assertThat(unreadable).containsExactly("java.util.concurrent.FutureTask.noSuchField",
				"java.util.concurrent.FutureTask.state");
	}

	@Test
	void whatCannotBeReadIsSaidOnceAtDebugAndNothingIsSaidOtherwise() {
		Logger logger = Logger.getLogger("io.github.leakedtasks");
		Level level = logger.getLevel();
		List<LogRecord> records = new ArrayList<>();
		Handler handler = new Handler() {

			@Override
			public void publish(LogRecord record) {
				records.add(record);
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}

		};
		handler.setLevel(Level.ALL);
		logger.addHandler(handler);
		logger.setLevel(Level.ALL);
		try {
			TaskContents.sayUnreadable(List.of());
			assertThat(records).isEmpty();
			TaskContents.sayUnreadable(List.of("java.util.concurrent.FutureTask.callable"));
			assertThat(records).singleElement().satisfies((record) -> {
				assertThat(record.getLevel()).isEqualTo(Level.FINE);
				assertThat(record.getMessage()).isEqualTo("The leaked-tasks agent cannot read "
						+ "[java.util.concurrent.FutureTask.callable] on this JDK: a task behind them is named after "
						+ "the JDK's own task, not the application's");
			});
		}
		finally {
			logger.removeHandler(handler);
			logger.setLevel(level);
		}
	}

}
