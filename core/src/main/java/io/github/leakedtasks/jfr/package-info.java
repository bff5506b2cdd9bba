/**
 * JDK Flight Recorder events for what the tracker reports, one event type per kind.
 */
package io.github.leakedtasks.jfr;
