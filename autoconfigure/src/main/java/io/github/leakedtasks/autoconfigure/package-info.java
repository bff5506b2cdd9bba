/**
 * Spring Boot auto-configuration that tracks every executor bean and {@code @Async}
 * method of an application.
 */
package io.github.leakedtasks.autoconfigure;
