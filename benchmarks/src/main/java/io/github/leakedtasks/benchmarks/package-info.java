/**
 * JMH benchmarks of tracked executors against the unwrapped executor and Micrometer's
 * monitor wrapper.
 */
package io.github.leakedtasks.benchmarks;
