package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.github.leakedtasks.tracking.CreationTraceMode;
import io.github.leakedtasks.tracking.TrackingSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Settings of the agent, from its options and from system properties.
 */
class AgentSettingsTests {

	@Test
	void defaultsAreThoseOfTheSpringProperties() {
		AgentSettings settings = AgentSettings.of(null, new Properties());
		TrackingSettings tracking = settings.tracking();
		assertThat(settings.enabled()).isTrue();
		assertThat(settings.logLevel()).isEqualTo(System.Logger.Level.ERROR);
		assertThat(tracking.gracePeriod()).isEqualTo(Duration.ofSeconds(10));
		assertThat(tracking.traceMode()).isEqualTo(CreationTraceMode.SAMPLED);
	}

	@Test
	void agentOptionsAreRead() {
		AgentSettings settings = AgentSettings
			.of("grace-period=500ms,log-level=warn,creation-trace.mode=always,max-groups=7,"
					+ "creation-trace.max-samples-per-second=3", new Properties());
		TrackingSettings tracking = settings.tracking();
		assertThat(settings.logLevel()).isEqualTo(System.Logger.Level.WARNING);
		assertThat(tracking.gracePeriod()).isEqualTo(Duration.ofMillis(500));
		assertThat(tracking.traceMode()).isEqualTo(CreationTraceMode.ALWAYS);
		assertThat(tracking.maxGroups()).isEqualTo(7);
		assertThat(tracking.maxSamplesPerSecond()).isEqualTo(3);
	}

	@Test
	void systemPropertiesWinOverAgentOptions() {
		Properties properties = new Properties();
		properties.setProperty("leaked-tasks.grace-period", "PT3S");
		properties.setProperty("leaked-tasks.enabled", "false");
		AgentSettings settings = AgentSettings.of("grace-period=1s", properties);
		assertThat(settings.tracking().gracePeriod()).isEqualTo(Duration.ofSeconds(3));
		assertThat(settings.enabled()).isFalse();
	}

	@Test
	void emptyValuesAreTheDefaultsAsInSpring() {
		Properties properties = new Properties();
		properties.setProperty("leaked-tasks.enabled", "");
		properties.setProperty("leaked-tasks.grace-period", " ");
		properties.setProperty("leaked-tasks.max-groups", "");
		AgentSettings settings = AgentSettings.of("creation-trace.mode=,log-level=", properties);
		settings.validate();
		assertThat(settings.enabled()).isTrue();
		assertThat(settings.logLevel()).isEqualTo(System.Logger.Level.ERROR);
		TrackingSettings defaults = TrackingSettings.defaults();
		assertThat(settings.tracking().gracePeriod()).isEqualTo(defaults.gracePeriod());
		assertThat(settings.tracking().maxGroups()).isEqualTo(defaults.maxGroups());
		assertThat(settings.tracking().traceMode()).isEqualTo(defaults.traceMode());
		assertThat(settings.unknownOptions()).isEmpty();
	}

	@Test
	void anEmptySystemPropertyLeavesTheAgentOptionInPlace() {
		Properties properties = new Properties();
		properties.setProperty("leaked-tasks.grace-period", "");
		assertThat(AgentSettings.of("grace-period=2s", properties).tracking().gracePeriod())
			.isEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void libraryPackagesAreAListInAgentOptionsAndSystemProperties() {
		AgentSettings options = AgentSettings.of(
				"grace-period=2s,library-packages=com.github.benmanes.caffeine,org.eclipse.jetty.,log-level=warn",
				new Properties());
		options.validate();
		assertThat(options.libraryPackages()).containsExactly("com.github.benmanes.caffeine", "org.eclipse.jetty");
		assertThat(options.logLevel()).isEqualTo(System.Logger.Level.WARNING);
		assertThat(options.unknownOptions()).isEmpty();
		Properties properties = new Properties();
		properties.setProperty("leaked-tasks.library-packages", " org.asynchttpclient , ");
		assertThat(AgentSettings.of("library-packages=com.example", properties).libraryPackages())
			.containsExactly("org.asynchttpclient");
		assertThat(AgentSettings.of(null, new Properties()).libraryPackages()).isEmpty();
	}

	@Test
	void anOptionWithoutAValueIsUnknownUnlessItFollowsAList() {
		AgentSettings settings = AgentSettings.of("verbose,library-packages=com.example,bogus=1,debug",
				new Properties());
		assertThat(settings.libraryPackages()).isEqualTo(List.of("com.example"));
		assertThat(settings.unknownOptions()).containsExactly("verbose", "bogus=1", "debug");
	}

	@Test
	void aLibraryPackageThatIsNoPackageNameIsRefusedNamingTheSettingAndThePackage() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AgentSettings.of("library-packages=com.example,com/example", new Properties()).validate())
			.withMessage("library-packages must be package names such as com.github.benmanes.caffeine but was "
					+ "'com.example,com/example' ('com/example' is none)");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AgentSettings.of("library-packages=com..example", new Properties()).validate())
			.withMessageStartingWith("library-packages must be package names");
		// A forgotten value: the next option is taken for a package, and is none.
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AgentSettings.of("library-packages=com.example,log-level", new Properties()).validate())
			.withMessageEndingWith("('log-level' is none)");
	}

	@Test
	void aLibraryPackageWrittenAsAnImportIsItsPackage() {
		assertThat(AgentSettings.of("library-packages=com.example.*,org.example.", new Properties()).libraryPackages())
			.containsExactly("com.example", "org.example");
	}

	@Test
	void theJdksPublicPackagesAndTheAgentsAreNoLibrarys() {
		for (String name : List.of("java", "java.util.concurrent", "javax.net", "io.github.leakedtasks.agent", "io",
				"io.github")) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> AgentSettings.of("library-packages=" + name, new Properties()).validate())
				.withMessageStartingWith("library-packages must not hold the JDK's public packages or the agent's but "
						+ "was '" + name + "'");
		}
		assertThat(
				AgentSettings.of("library-packages=javafx,io.github.other,jdk.jfr", new Properties()).libraryPackages())
			.containsExactly("javafx", "io.github.other", "jdk.jfr");
	}

	@Test
	void logLevelOffLogsNothing() {
		assertThat(AgentSettings.of("log-level=off", new Properties()).logLevel()).isNull();
	}

	@Test
	void invalidValuesNameTheSetting() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AgentSettings.of("grace-period=soon", new Properties()).tracking())
			.withMessageContaining("grace-period");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AgentSettings.of("log-level=loud", new Properties()).logLevel())
			.withMessageContaining("log-level");
	}

	@Test
	void valuesTheEngineRefusesAreNamedAsTheOptionWithTheValueAsGiven() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AgentSettings.of("grace-period=-1s", new Properties()).validate())
			.withMessage("grace-period must be positive but was '-1s'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AgentSettings.of("max-groups=0", new Properties()).validate())
			.withMessage("max-groups must be at least 1 but was '0'");
		Properties properties = new Properties();
		properties.setProperty("leaked-tasks.creation-trace.sample-rate", "0");
		assertThatIllegalArgumentException().isThrownBy(() -> AgentSettings.of(null, properties).validate())
			.withMessage("creation-trace.sample-rate must be at least 1 but was '0'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AgentSettings.of("creation-trace.mode=bogus", new Properties()).validate())
			.withMessage("creation-trace.mode must be one of always, sampled, off but was 'bogus'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AgentSettings.of("enabled=maybe", new Properties()).validate())
			.withMessage("enabled must be true or false but was 'maybe'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AgentSettings.of("log-level=loud", new Properties()).validate())
			.withMessage("log-level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF but was 'loud'");
	}

	@Test
	void enabledIsReadAsSpringReadsABoolean() {
		assertThat(AgentSettings.of("enabled=on", new Properties()).enabled()).isTrue();
		assertThat(AgentSettings.of("enabled=NO", new Properties()).enabled()).isFalse();
		assertThat(AgentSettings.of("enabled=0", new Properties()).enabled()).isFalse();
	}

	@Test
	void validSettingsPassValidation() {
		AgentSettings.of("enabled=TRUE,grace-period=PT1S,creation-trace.mode=off,log-level=warn", new Properties())
			.validate();
	}

	@Test
	void agentOptionsThatNameNoSettingAreListedAndTheOthersStillRead() {
		Properties properties = new Properties();
		// The Spring properties and the test module's settings share the prefix.
		properties.setProperty("leaked-tasks.excluded-executors", "pool");
		properties.setProperty("leaked-tasks.test.await-timeout", "5s");
		AgentSettings settings = AgentSettings.of("foo=bar,gracePeriod=1s,debug,grace-period=2s", properties);
		assertThat(settings.unknownOptions()).containsExactly("foo=bar", "gracePeriod=1s", "debug");
		assertThat(settings.tracking().gracePeriod()).isEqualTo(Duration.ofSeconds(2));
		assertThat(AgentSettings.of("grace-period=2s", properties).unknownOptions()).isEmpty();
	}

	@Test
	void creationTracesLeaveOutTheAgentsFrames() {
		TrackingSettings tracking = AgentSettings.of(null, new Properties()).tracking();
		assertThat(tracking.internalFrames().test(EngineSink.class.getName())).isTrue();
		assertThat(tracking.internalFrames().test("io.github.leakedtasks.tracking.FutureEvents")).isTrue();
		assertThat(tracking.internalFrames().test("com.example.Orders")).isFalse();
		// The executor's frames, the JDK's and Spring's, on top of the application's
		// call.
		assertThat(tracking.internalFrames().test("java.util.concurrent.FutureTask")).isTrue();
		assertThat(tracking.internalFrames().test("java.util.concurrent.AbstractExecutorService")).isTrue();
		assertThat(tracking.internalFrames().test("org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor"))
			.isTrue();
		assertThat(tracking.internalFrames().test("com.example.Orders$$SpringCGLIB$$0")).isTrue();
		// An @Async method with the starter off: the frames a user saw on top of the
		// application's call.
		for (String frame : new String[] { "org.springframework.util.concurrent.FutureUtils",
				"org.springframework.core.task.AsyncTaskExecutor",
				"org.springframework.aop.interceptor.AsyncExecutionAspectSupport",
				"org.springframework.aop.interceptor.AsyncExecutionInterceptor",
				"org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor" }) {
			assertThat(tracking.internalFrames().test(frame)).as(frame).isTrue();
		}
		// Where Spring schedules an application's task is not an executor's frame.
		assertThat(tracking.internalFrames().test("org.springframework.scheduling.config.ScheduledTaskRegistrar"))
			.isFalse();
		// An application's class in the agent's package is the application's.
		assertThat(tracking.internalFrames().test(IgnoringApplication.class.getName())).isFalse();
	}

}
