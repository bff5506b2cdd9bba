/**
 * The bridge between the JDK's instrumented code and the agent: loaded by the boot class
 * loader, free of dependencies.
 */
package io.github.leakedtasks.agent.bootstrap;
