/**
 * The Java agent: instruments {@code CompletableFuture} and {@code FutureTask} and feeds
 * the engine what it sees.
 */
package io.github.leakedtasks.agent;
