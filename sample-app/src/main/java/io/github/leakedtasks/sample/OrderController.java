package io.github.leakedtasks.sample;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * HTTP API of the order service, each operation with a bug that loses async work.
 *
 * @since 0.1.0
 */
@RestController
public class OrderController {

	private final NotificationService notifications;

	private final ExecutorService auditExecutor;

	private final ExecutorService reportExecutor;

	private final InventorySync inventory;

	public OrderController(NotificationService notifications, @Qualifier("auditExecutor") ExecutorService auditExecutor,
			@Qualifier("reportExecutor") ExecutorService reportExecutor, InventorySync inventory) {
		this.notifications = notifications;
		this.auditExecutor = auditExecutor;
		this.reportExecutor = reportExecutor;
		this.inventory = inventory;
	}

	/**
	 * Bug: the confirmation's future is dropped, so a failed confirmation vanishes.
	 */
	@PostMapping("/orders")
	public Map<String, String> placeOrder(@RequestParam String email) {
		this.notifications.sendConfirmation(email);
		return Map.of("status", "accepted", "email", email);
	}

	/**
	 * Bug: the audit task's future is never read.
	 */
	@PostMapping("/orders/audit")
	public Map<String, String> audit(@RequestParam String orderId) {
		this.auditExecutor.submit(() -> {
			if (orderId.isBlank() || !orderId.chars().allMatch(Character::isDigit)) {
				throw new IllegalStateException("Cannot audit order '" + orderId + "'");
			}
			return orderId;
		});
		return Map.of("status", "auditing", "orderId", orderId);
	}

	/**
	 * Bug: reports go to a one-thread pool that discards what does not fit.
	 */
	@PostMapping("/reports")
	public Map<String, Object> reports(@RequestParam(defaultValue = "3") int count) {
		CountDownLatch slow = new CountDownLatch(1);
		for (int i = 0; i < count; i++) {
			this.reportExecutor.submit(() -> slow.await(2, TimeUnit.SECONDS));
		}
		return Map.of("status", "requested", "count", count);
	}

	/**
	 * Bug: a corrupt record kills the periodic inventory sync.
	 */
	@PostMapping("/inventory/corrupt")
	public Map<String, Object> corruptInventory() {
		this.inventory.corrupt();
		return Map.of("status", "corrupted", "runsSoFar", this.inventory.runs());
	}

}
