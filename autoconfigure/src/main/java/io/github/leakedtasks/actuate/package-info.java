/**
 * Actuator endpoint listing lost, dropped and overdue tasks with where they were created.
 */
package io.github.leakedtasks.actuate;
