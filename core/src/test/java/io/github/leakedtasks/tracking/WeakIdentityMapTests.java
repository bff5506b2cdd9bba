package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests of {@link WeakIdentityMap}: what it keeps of a collected key.
 */
class WeakIdentityMapTests {

	@Test
	void valueOfACollectedKeyIsLetGoWithoutAnotherEntryBeingAdded() {
		WeakIdentityMap<Object> map = new WeakIdentityMap<>();
		WeakReference<Object> value = putAndLetGoOfTheKey(map);
		// As the detector's sweep does: no entry is added meanwhile.
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
			System.gc();
			WeakIdentityMap.expungeAll();
			assertThat(value.get()).isNull();
		});
	}

	@Test
	void entryOfALiveKeyStays() {
		WeakIdentityMap<Object> map = new WeakIdentityMap<>();
		Object key = new Object();
		Object value = new Object();
		map.put(key, value);
		System.gc();
		WeakIdentityMap.expungeAll();
		assertThat(map.get(key)).isSameAs(value);
		assertThat(map.remove(key)).isSameAs(value);
		assertThat(map.get(key)).isNull();
	}

	private static WeakReference<Object> putAndLetGoOfTheKey(WeakIdentityMap<Object> map) {
		Object value = new byte[1024];
		map.put(new Object(), value);
		return new WeakReference<>(value);
	}

}
