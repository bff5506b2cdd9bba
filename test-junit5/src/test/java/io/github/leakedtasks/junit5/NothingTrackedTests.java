package io.github.leakedtasks.junit5;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.github.leakedtasks.test.LeakedTasksExtension;
import io.github.leakedtasks.tracking.TaskScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Run without the agent, in a JVM where nothing creates a tracker: the extension lets the
 * tests pass, and says once, when the run ends, that nothing tracked tasks.
 */
class NothingTrackedTests {

	@Test
	void runWithNothingThatTracksTasksEndsWithOneWarning() {
		assertFalse(TaskScope.anyTracker(), "nothing created a tracker in this JVM");
		List<LogRecord> warnings = new CopyOnWriteArrayList<>();
		Handler handler = new Handler() {

			@Override
			public void publish(LogRecord record) {
				if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
					warnings.add(record);
				}
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}

		};
		Logger logger = Logger.getLogger("io.github.leakedtasks.test");
		logger.addHandler(handler);
		try {
			EngineTestKit.engine("junit-jupiter")
				.selectors(selectClass(Cases.class))
				.execute()
				.testEvents()
				.assertStatistics((stats) -> stats.succeeded(2));
		}
		finally {
			logger.removeHandler(handler);
		}
		assertEquals(1, warnings.size(), () -> warnings.toString());
		assertTrue(warnings.get(0).getMessage().contains("nothing in this JVM tracks tasks"),
				warnings.get(0).getMessage());
	}

	@ExtendWith(LeakedTasksExtension.class)
	static class Cases {

		@Test
		void first() {
		}

		@Test
		void second() {
		}

	}

}
