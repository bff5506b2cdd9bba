package io.github.leakedtasks.sample;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * A small order service with bugs that lose async work.
 *
 * @since 0.1.0
 */
@SpringBootApplication
@EnableAsync
public class OrderServiceApplication {

	public static void main(String[] args) {
		SpringApplication.run(OrderServiceApplication.class, args);
	}

	@Bean
	ThreadPoolTaskExecutor notificationExecutor() {
		ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
		executor.setCorePoolSize(2);
		executor.setThreadNamePrefix("notify-");
		return executor;
	}

	@Bean(destroyMethod = "shutdownNow")
	ExecutorService auditExecutor() {
		return Executors.newFixedThreadPool(2);
	}

	/**
	 * One thread, one queue slot, and a policy that silently discards what does not fit.
	 */
	@Bean(destroyMethod = "shutdownNow")
	ExecutorService reportExecutor() {
		return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
				new ThreadPoolExecutor.DiscardPolicy());
	}

	@Bean(destroyMethod = "shutdownNow")
	ScheduledExecutorService inventoryScheduler() {
		return Executors.newScheduledThreadPool(1);
	}

}
