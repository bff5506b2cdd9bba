package io.github.leakedtasks.sample;

import java.util.concurrent.CompletableFuture;

import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Service;

/**
 * Sends order notifications asynchronously.
 *
 * @since 0.1.0
 */
@Service
public class NotificationService {

	@Async("notificationExecutor")
	public CompletableFuture<String> sendConfirmation(String email) {
		if (!email.contains("@")) {
			throw new IllegalArgumentException("Invalid e-mail address: " + email);
		}
		return CompletableFuture.completedFuture("sent to " + email);
	}

}
