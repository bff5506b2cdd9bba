package io.github.leakedtasks.tracking;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link IntegrationSubmission}: only the thread inside a submission, and only
 * outside any {@code outside} call, sees it active.
 */
class IntegrationSubmissionTests {

	@Test
	void isActiveOnlyInsideASubmissionOfTheCurrentThread() throws Throwable {
		assertThat(IntegrationSubmission.isActive()).isFalse();
		Object result = IntegrationSubmission.run(() -> {
			assertThat(IntegrationSubmission.isActive()).isTrue();
			Object nested = IntegrationSubmission.outside(() -> {
				assertThat(IntegrationSubmission.isActive()).isFalse();
				return IntegrationSubmission.run(IntegrationSubmission::isActive);
			});
			assertThat(nested).isEqualTo(true);
			assertThat(IntegrationSubmission.isActive()).isTrue();
			return "done";
		});
		assertThat(result).isEqualTo("done");
		assertThat(IntegrationSubmission.isActive()).isFalse();
	}

	@Test
	void nestedSubmissionsEndWithTheOutermost() throws Throwable {
		IntegrationSubmission.run(() -> {
			IntegrationSubmission.run(() -> null);
			assertThat(IntegrationSubmission.isActive()).isTrue();
			return null;
		});
		assertThat(IntegrationSubmission.isActive()).isFalse();
	}

	@Test
	void submissionThatThrowsEndsAndThrowsUnchanged() {
		IllegalStateException failure = new IllegalStateException("refused");
		assertThatIllegalStateException().isThrownBy(() -> IntegrationSubmission.run(() -> {
			throw failure;
		})).isSameAs(failure);
		assertThat(IntegrationSubmission.isActive()).isFalse();
	}

	@Test
	void anotherThreadIsNotActiveWhileOneSubmits() throws Throwable {
		CountDownLatch inside = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Object> submitter = CompletableFuture.supplyAsync(() -> {
			try {
				return IntegrationSubmission.run(() -> {
					inside.countDown();
					return release.await(30, TimeUnit.SECONDS) && IntegrationSubmission.isActive();
				});
			}
			catch (Throwable ex) {
				throw new IllegalStateException(ex);
			}
		});
		assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
		AtomicBoolean activeHere = new AtomicBoolean(IntegrationSubmission.isActive());
		release.countDown();
		assertThat(submitter.get(30, TimeUnit.SECONDS)).isEqualTo(true);
		assertThat(activeHere).isFalse();
		assertThat(IntegrationSubmission.isActive()).isFalse();
	}

}
