package io.github.leakedtasks.agent;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import com.example.reflecting.ReflectingApplication;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent attached to an application of its own, in a JVM of its own, as a user
 * attaches it.
 */
class StandaloneAgentTests {

	/**
	 * With fewer, {@code CompletableFuture} starts a thread per task instead of using the
	 * common pool, as on a machine of two cores.
	 */
	private static final String COMMON_POOL_OF_TWO = "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2";

	/**
	 * A creation trace starts at the application's call, not inside the JDK's executor:
	 * the lines of {@code IgnoringApplication.ignore}'s two calls.
	 */
	private static final String CREATED_IN_IGNORE_BY_SUPPLY_ASYNC = "Task created at:\n\tat "
			+ IgnoringApplication.class.getName() + ".ignore(IgnoringApplication.java:56)";

	private static final String CREATED_IN_IGNORE_BY_SUBMIT = "Task created at:\n\tat "
			+ IgnoringApplication.class.getName() + ".ignore(IgnoringApplication.java:59)";

	@TempDir
	Path output;

	@Test
	void ignoredFailuresAreLoggedAsNeverRetrieved() throws Exception {
		Run run = run(IgnoringApplication.class, agent(), "-XX:+UnlockDiagnosticVMOptions",
				"-XX:+BytecodeVerificationLocal", "-Dleaked-tasks.creation-trace.mode=always", COMMON_POOL_OF_TWO);
		assertThat(run.stdout()).contains("reported");
		assertThat(run.stderr()).contains("Task exception was never retrieved: executor 'commonPool'")
			.containsPattern("Task exception was never retrieved: executor 'pool-\\d+'")
			.contains("java.lang.IllegalStateException: boom from supplyAsync")
			.contains("java.lang.IllegalArgumentException: boom from submit")
			.contains("at " + IgnoringApplication.class.getName() + ".ignore(IgnoringApplication.java")
			.contains(CREATED_IN_IGNORE_BY_SUPPLY_ASYNC, CREATED_IN_IGNORE_BY_SUBMIT)
			.contains("task " + IgnoringApplication.class.getName() + "$$Lambda, submitted by thread 'main'")
			.doesNotContain("could not instrument")
			.doesNotContain("did not start")
			.doesNotContain("sun.misc.Unsafe");
	}

	/**
	 * The agent reads the JDK's futures through a bridge that {@code java.base} opens
	 * {@code java.util.concurrent} to, not through the class path's unnamed module, which
	 * the application's classes share: the application's reflection into the package is
	 * refused as it is without the agent, and the bridge refuses it its lookups.
	 */
	@Test
	void applicationCodeReflectsIntoJavaUtilConcurrentAsWithoutTheAgent() throws Exception {
		Run attached = run(ReflectingApplication.class, agent());
		Run alone = run(ReflectingApplication.class);
		List<String> refused = List.of("setAccessible returned false",
				"setAccessible throws threw java.lang.reflect.InaccessibleObjectException",
				"privateLookupIn threw java.lang.IllegalAccessException",
				"bridge threw java.lang.IllegalAccessException");
		assertThat(alone.stdout().lines()).containsExactlyElementsOf(concat(refused, "agent false"));
		assertThat(attached.stdout().lines()).containsExactlyElementsOf(concat(refused, "agent true"));
		assertThat(attached.stderr()).doesNotContain("could not instrument").doesNotContain("did not start");
	}

	private static List<String> concat(List<String> lines, String last) {
		List<String> all = new ArrayList<>(lines);
		all.add(last);
		return all;
	}

	/**
	 * A program that exits within the grace period, before any collection: the engine's
	 * last pass, as the JVM exits, proves the failures nobody retrieved lost and prints
	 * them to standard error (the JDK's logging has closed its handlers by then).
	 */
	@Test
	void failuresLostByAProgramThatExitsAtOnceAreReportedAsTheJvmExits() throws Exception {
		Run run = run(ExitingApplication.class, agent(), COMMON_POOL_OF_TWO);
		assertThat(run.exitCode()).isZero();
		assertThat(run.stdout()).contains("exiting");
		assertThat(run.stderr()).contains("ERROR: Task exception was never retrieved: executor 'commonPool'")
			.containsPattern("ERROR: Task exception was never retrieved: executor 'pool-\\d+'")
			.contains("java.lang.IllegalStateException: lost by supplyAsync")
			.contains("java.lang.IllegalArgumentException: lost by submit")
			.contains("Task created at:\n\tat " + ExitingApplication.class.getName()
					+ ".main(ExitingApplication.java:26)")
			.contains("Task created at:\n\tat " + ExitingApplication.class.getName()
					+ ".main(ExitingApplication.java:29)")
			.doesNotContain("held by a static field")
			.doesNotContain("could not instrument");
	}

	@Test
	void failuresReadByAProgramThatExitsAtOnceAreNotReported() throws Exception {
		Run run = run(ExitingApplication.class, List.of("read"), agent(), COMMON_POOL_OF_TWO);
		assertThat(run.exitCode()).isZero();
		assertThat(run.stdout()).contains("read true true").contains("exiting");
		assertThat(run.stderr()).doesNotContain("Task exception was never retrieved");
	}

	@Test
	void nothingIsPrintedAsTheJvmExitsAtLogLevelOff() throws Exception {
		Run run = run(ExitingApplication.class, agent() + "=log-level=off", COMMON_POOL_OF_TWO);
		assertThat(run.exitCode()).isZero();
		assertThat(run.stderr()).doesNotContain("Task exception was never retrieved");
	}

	@Test
	void executorsNoIntegrationNamedAreNamedAfterTheirThreads() throws Exception {
		Run run = run(NamingApplication.class, agent(), COMMON_POOL_OF_TWO);
		assertThat(run.stdout()).doesNotContain("timed out")
			.contains("commonPool: lost on the default executor")
			.containsPattern("(?m)^pool-\\d+: lost by submit$")
			.containsPattern("(?m)^pool-\\d+: lost by supplyAsync$")
			.contains("billing: lost by submit", "billing: lost by supplyAsync")
			.contains("ThreadPoolExecutor: lost by submit", "ThreadPoolExecutor: lost by supplyAsync")
			.containsPattern("(?m)^ForkJoinPool-\\d+: lost by supplyAsync$");
	}

	@Test
	void firstTasksOfEachTypeAreTracedByDefault() throws Exception {
		Run run = run(IgnoringApplication.class, agent());
		assertThat(run.stdout()).contains("reported");
		assertThat(run.stderr()).contains("Task exception was never retrieved")
			.contains(CREATED_IN_IGNORE_BY_SUPPLY_ASYNC, CREATED_IN_IGNORE_BY_SUBMIT)
			.doesNotContain("no trace captured")
			.doesNotContain("could not instrument");
	}

	@Test
	void creationIsNotTracedWhenTracesAreOff() throws Exception {
		Run run = run(IgnoringApplication.class, agent(), "-Dleaked-tasks.creation-trace.mode=off");
		assertThat(run.stdout()).contains("reported");
		assertThat(run.stderr()).contains("Task exception was never retrieved")
			.contains("no trace captured")
			.doesNotContain("Task created at:\n\tat");
	}

	@Test
	void futuresAndTasksCreatedInATraceCarryItsIdsWithCreationTracesOff() throws Exception {
		// Only the source of trace ids turns the creation hooks on here.
		Run run = run(TracedApplication.class, agent(), "-Dleaked-tasks.creation-trace.mode=off");
		String orders = "TraceIds[traceId=4bf92f3577b34da6a3ce929d0e0e4736, spanId=00f067aa0ba902b7]";
		assertThat(run.stdout()).doesNotContain("timed out")
			.contains("submitted in a trace -> " + orders, "chained before it failed -> " + orders,
					"chained after it failed -> " + orders, "thrown by a handler -> " + orders,
					"executed in a trace -> " + orders, "submitted outside -> null")
			// A lambda that captures nothing is one object for all its executions.
			.contains("stateless in a trace -> null")
			// Waits on the second source, which failed in another trace, with the
			// first's failure.
			.contains("combined first source -> null")
			// One task object executed in two traces: the second run is not known to be
			// in either, and carries none.
			.containsPattern(
					"(?s)" + Pattern.quote("shared task -> " + orders) + ".*" + Pattern.quote("shared task -> null"))
			.doesNotContain("0af7651916cd43dd8448eb211c80319c");
	}

	@Test
	void futuresTheApplicationMakesAreTracedWhereItMadeThemWhenEveryCreationIsTraced() throws Exception {
		Run run = run(MadeFuturesApplication.class, agent(), "-XX:+UnlockDiagnosticVMOptions",
				"-XX:+BytecodeVerificationLocal", "-Dleaked-tasks.creation-trace.mode=always", COMMON_POOL_OF_TWO);
		String application = MadeFuturesApplication.class.getName();
		String created = "submitted by thread 'main'\nTask created at:\n\tat " + application;
		String main = "\n\tat " + application + ".main(MadeFuturesApplication.java:38)\n";
		assertThat(run.stdout()).contains("reported");
		assertThat(run.stderr())
			.contains("task java.util.concurrent.CompletableFuture, " + created
					+ ".lose(MadeFuturesApplication.java:52)" + main + "java.lang.IllegalStateException: made with new")
			.contains(
					"task java.util.concurrent.CompletableFuture, " + created + ".lose(MadeFuturesApplication.java:53)"
							+ main + "java.lang.IllegalArgumentException: born failed")
			.contains("task " + application + "$Promise, " + created + "$Promise.<init>(MadeFuturesApplication.java:")
			.contains("\tat " + application + ".lose(MadeFuturesApplication.java:54)" + main
					+ "java.lang.UnsupportedOperationException: made as a subclass")
			// The stage the JDK made is described by its source's task, not traced where
			// it was chained.
			.contains("executor 'commonPool', task " + application + "$$Lambda, " + created
					+ ".lose(MadeFuturesApplication.java:56)" + main
					+ "java.lang.ArithmeticException: failed after it was chained")
			// So is a stage a subclass makes through a helper of its own.
			.contains("\tat " + application + ".lose(MadeFuturesApplication.java:58)" + main
					+ "java.lang.IllegalStateException: chained once failed")
			// And the copy of a failed minimal stage, by the stage.
			.contains("\tat " + application + ".lose(MadeFuturesApplication.java:61)" + main
					+ "java.lang.IllegalStateException: copied once failed")
			.doesNotContain("no trace captured")
			.doesNotContain("could not instrument");
	}

	@Test
	void futuresTheApplicationMakesAreNotTracedByDefault() throws Exception {
		Run run = run(MadeFuturesApplication.class, agent(), COMMON_POOL_OF_TWO);
		assertThat(run.stdout()).contains("reported");
		assertThat(run.stderr()).contains("java.lang.IllegalStateException: made with new")
			.contains("task java.util.concurrent.CompletableFuture, submitted by thread '(unknown)'\n"
					+ "Task created at: (no trace captured")
			.doesNotContain("MadeFuturesApplication.lose(MadeFuturesApplication.java:52)\njava")
			.doesNotContain("could not instrument");
	}

	@Test
	void nothingIsLoggedAtLogLevelOff() throws Exception {
		Run run = run(IgnoringApplication.class, agent() + "=log-level=off");
		assertThat(run.stdout()).contains("reported");
		assertThat(run.stderr()).doesNotContain("Task exception was never retrieved");
	}

	@Test
	void agentDisabledByPropertyInstrumentsNothing() throws Exception {
		Run run = run(IgnoringApplication.class, agent(), "-Dleaked-tasks.enabled=false");
		assertThat(run.exitCode()).isNotZero();
		assertThat(run.stderr()).contains("NoSuchElementException");
	}

	/**
	 * The agent's own Byte Buddy is told not to use its Nexus, under the relocated name
	 * that only that copy reads, and only when the agent starts.
	 */
	@Test
	void onlyAnAgentThatStartsSetsASystemPropertyAndOnlyOneItsOwnByteBuddyReads() throws Exception {
		Run started = run(PropertiesApplication.class, agent());
		assertThat(started.stdout().lines())
			.containsExactly("property io.github.leakedtasks.agent.shaded.bytebuddy.nexus.disabled=true", "agent true");
		Run disabled = run(PropertiesApplication.class, agent() + "=enabled=false");
		assertThat(disabled.stdout().lines()).containsExactly("agent false");
		Run refused = run(PropertiesApplication.class, agent() + "=grace-period=-1s");
		assertThat(refused.stdout().lines()).containsExactly("agent false");
	}

	@Test
	void emptySettingsAreTheDefaults() throws Exception {
		Run run = run(IgnoringApplication.class, agent() + "=grace-period=", "-Dleaked-tasks.enabled=",
				"-Dleaked-tasks.creation-trace.mode=");
		assertThat(run.stderr()).doesNotContain("did not start").contains("Task exception was never retrieved");
		assertThat(run.stdout()).contains("reported");
	}

	@Test
	void settingsAtTheirLargestAreValidAndLeaksAreStillReported() throws Exception {
		// Durations past 292 years and a depth of the largest int once overflowed: the
		// agent did not start, or reported nothing.
		Run run = run(IgnoringApplication.class,
				agent() + "=grace-period=200000d,overdue-threshold=200000d,creation-trace.max-depth=2147483647");
		assertThat(run.stderr()).doesNotContain("did not start")
			.doesNotContain("ArithmeticException")
			.contains("Task exception was never retrieved");
		assertThat(run.stdout()).contains("reported");
	}

	@Test
	void optionThatIsNotNameAndValueIsNamedInTheWarningAndADurationIsReadAsSpringReadsIt() throws Exception {
		Run run = run(PropertiesApplication.class, agent() + "=grace-period,overdue-threshold=10 s");
		assertThat(run.stderr())
			.contains("The leaked-tasks agent ignores options that are not a setting it reads, given as name=value: "
					+ "grace-period (it reads enabled, ")
			.contains("overdue-threshold must be a duration such as 10s but was '10 s'");
		assertThat(run.stdout().lines()).containsExactly("agent false");
	}

	@Test
	void settingThatIsNotValidLeavesTheAgentOffWithOneWarningNamingItAndTheApplicationRuns() throws Exception {
		Run run = run(IgnoringApplication.class, agent() + "=grace-period=-1s,gracePeriod=1s");
		assertThat(run.stderr())
			.contains("The leaked-tasks agent ignores options that are not a setting it reads, given as name=value: "
					+ "gracePeriod=1s (it reads enabled, ")
			.contains("The leaked-tasks agent did not start, so nothing is reported: "
					+ "grace-period must be positive but was '-1s'. The application runs as it would without the agent")
			.doesNotContain("IllegalArgumentException")
			.doesNotContain("Task exception was never retrieved");
		// The application ran on, to where it asks for the agent's engine.
		assertThat(run.exitCode()).isNotZero();
		assertThat(run.stderr()).contains("NoSuchElementException");
	}

	/**
	 * Attaching the agent initializes neither {@code CompletableFuture} nor the common
	 * pool before {@code main}: settings of the pool that {@code main} makes apply as
	 * without it, and the hooks still report.
	 */
	@Test
	void commonPoolSettingsMadeByMainApplyAsWithoutTheAgent() throws Exception {
		Run without = run(CommonPoolSettingsApplication.class);
		Run with = run(CommonPoolSettingsApplication.class, agent());
		assertThat(without.stdout()).contains("parallelism 3").contains("no agent");
		assertThat(with.stdout()).contains("parallelism 3").contains("reported");
		assertThat(with.stderr()).contains("Task exception was never retrieved: executor 'commonPool'")
			.contains("java.lang.IllegalStateException: boom after main's settings")
			.doesNotContain("could not instrument")
			.doesNotContain("did not start");
	}

	@Test
	void exceptionsAreTheSameWithAndWithoutTheAgent() throws Exception {
		Run without = run(BehaviourProbe.class);
		Run with = run(BehaviourProbe.class, agent(), "-XX:+UnlockDiagnosticVMOptions",
				"-XX:+BytecodeVerificationLocal");
		// Every creation traced: the hook in every future's constructor reads the stack.
		Run tracingAll = run(BehaviourProbe.class, agent(), "-Dleaked-tasks.creation-trace.mode=always");
		assertThat(without.exitCode()).isZero();
		assertThat(with.exitCode()).isZero();
		assertThat(tracingAll.exitCode()).isZero();
		assertThat(tracingAll.stdout()).isEqualTo(without.stdout());
		assertThat(with.stdout()).isEqualTo(without.stdout())
			.contains("supplyAsync join -> threw")
			.contains("DiscardOldestPolicy -> returned ran [second], first done false cancelled false")
			.contains("DiscardOldestPolicy shut down -> returned ran [], done false")
			.contains("DiscardOldestPolicy null pool -> threw java.lang.NullPointerException")
			.contains("DiscardOldestPolicy null queue -> threw java.lang.NullPointerException")
			.contains("DiscardOldestPolicy queue throws -> returned no queue at getQueue < "
					+ "java.util.concurrent.ThreadPoolExecutor$DiscardOldestPolicy.rejectedExecution < "
					+ "discardOldestWhoseQueueThrows")
			.contains("DiscardPolicy -> returned ran [first]")
			.contains("shutdownNow -> returned handed back 1 same true done false")
			.contains("scheduled execute -> returned handed back 1 "
					+ "java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask periodic false, delay true, "
					+ "terminated true, ran [interrupted], done true cancelled true")
			.contains("scheduled execute shut down -> returned java.util.concurrent.RejectedExecutionException at "
					+ "ThreadPoolExecutor$AbortPolicy.rejectedExecution < ThreadPoolExecutor.reject < "
					+ "ScheduledThreadPoolExecutor.delayedExecute < ScheduledThreadPoolExecutor.schedule < "
					+ "ScheduledThreadPoolExecutor.execute < ")
			.contains("scheduled execute null -> threw java.lang.NullPointerException")
			.contains("scheduled execute decorated -> returned ran true, decorated [ScheduledFutureTask]")
			.contains("remove and purge -> returned removed true false, queue 2 then 1, kept kept");
	}

	@Test
	void overdueTasksOfWatchedExecutorsAreListedAndHeardOnce() throws Exception {
		Run run = run(OverdueApplication.class, agent() + "=overdue-threshold=300ms");
		String app = OverdueApplication.class.getName();
		assertThat(run.stdout().lines()).contains("watched stuck true", "watched scheduler true", "watched quick true",
				"watched backlog true", "watched a plain executor false");
		// What runs is listed with its thread; of the queue, the head; a delayed task
		// only once due; quick tasks and executors not watched never.
		List<String> expected = List.of("handover QUEUED " + app + "$Handed no-thread",
				"handover RUNNING " + app + "$Blocking on-thread", "pausing QUEUED " + app + "$Paused no-thread",
				"scheduler QUEUED " + app + "$Waiting no-thread", "scheduler RUNNING " + app + "$Blocking on-thread",
				"stuck QUEUED " + app + "$Waiting no-thread", "stuck RUNNING " + app + "$Blocking on-thread");
		assertThat(run.stdout().lines().filter((line) -> line.startsWith("listed ") && !line.contains(" draining ")))
			.map((line) -> line.substring("listed ".length(), line.lastIndexOf(' ')))
			.containsExactlyElementsOf(expected);
		assertThat(run.stdout().lines().filter((line) -> line.startsWith("heard ") && !line.contains(" draining ")))
			.map((line) -> line.substring("heard ".length(), line.lastIndexOf(' ')))
			.containsExactlyElementsOf(expected);
		// A backlog that drains slowly: its head, at the head for 200 ms only, and the
		// tasks behind it waited since the backlog was queued, all listed and counted;
		// each task runs for less than the threshold. Listeners heard of fewer events
		// than
		// there are tasks (SourcedOverdueTasksTests checks that each is heard of once).
		assertThat(run.stdout().lines().filter((line) -> line.startsWith("listed draining "))).hasSizeGreaterThan(1)
			.allMatch((line) -> line.equals("listed draining QUEUED " + app + "$Slow no-thread untraced"));
		assertThat(run.stdout().lines())
			.anyMatch((line) -> line.matches("draining listed \\d+, counted at least as many true, queued \\d+"));
		assertThat(run.stdout().lines().filter((line) -> line.startsWith("heard draining "))).hasSizeBetween(2, 120)
			.allMatch((line) -> line.startsWith("heard draining QUEUED " + app + "$Slow no-thread"));
		// A task that takes the place of one removed or discarded has waited from its
		// own arrival.
		assertThat(run.stdout().lines()).contains("removed not older", "discarded oldest not older");
		assertThat(run.stdout().lines()).contains("listed stuck RUNNING " + app + "$Blocking on-thread traced",
				"listed stuck QUEUED " + app + "$Waiting no-thread untraced", "count stuck 2", "count unwatched 0",
				"cleared");
		// Heard of while it waited, the task that then runs past the threshold is not
		// heard
		// of again; the periodic task that runs long, never.
		assertThat(run.stdout().lines().filter((line) -> line.startsWith("handover heard ")))
			.map((line) -> line.substring("handover heard ".length(), line.lastIndexOf(' ')))
			.containsExactly("handover QUEUED " + app + "$Handed no-thread",
					"handover RUNNING " + app + "$Blocking on-thread");
		assertThat(run.stdout()).doesNotContain("timed out").doesNotContain("$Later").doesNotContain("periodic");
		// A steady flow whose tasks kill their workers never waits long. A task the
		// executor's beforeExecute holds is queued, as the wrappers list it, and once it
		// runs, overdue again, not heard of again.
		assertThat(run.stdout()).doesNotContain(" churning ");
		assertThat(run.stdout().lines()).contains("paused then ran");
		assertThat(run.stdout().lines().filter((line) -> line.startsWith("pausing heard ")))
			.map((line) -> line.substring("pausing heard ".length(), line.lastIndexOf(' ')))
			.containsExactly("pausing QUEUED " + app + "$Paused no-thread");
		assertThat(run.stdout().lines()).contains("handed over");
		assertThat(run.stderr()).doesNotContain("could not instrument");
	}

	@Test
	void executorBeansAreLeftAsTheyAreAndTheirOverdueTasksListedOnce() throws Exception {
		Run run = run(OverdueBeansApplication.class, agent() + "=overdue-threshold=300ms");
		String app = OverdueBeansApplication.class.getName();
		assertThat(run.stdout().lines()).contains(
				"bean orders java.util.concurrent.ThreadPoolExecutor proxy false wrapped false",
				"bean reports org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor proxy false wrapped false",
				"bean scheduler org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler proxy false wrapped false",
				"bean decorated org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler proxy false wrapped false",
				"bean single delegating proxy false wrapped false",
				"bean backlog org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor proxy false wrapped false",
				"bean paused org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor proxy false wrapped false",
				"bean asyncQueue org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor proxy false wrapped false");
		// The @Async call, which runs on a worker of 'reports' too, is listed once, after
		// its method; a backlog behind a stuck task, all of it; a paused executor's
		// tasks, the one its worker holds in beforeExecute too, as queued; @Async calls
		// queued among tasks of the application's own, each once, after its method, and
		// those tasks too.
		String queued = "QUEUED " + app + "$Queued";
		List<String> listed = List.of("listed asyncQueue QUEUED QueuedService.later",
				"listed asyncQueue QUEUED QueuedService.laterCompletable", "listed asyncQueue " + queued,
				"listed asyncQueue " + queued, "listed asyncQueue " + queued,
				"listed asyncQueue RUNNING " + app + "$Stuck", "listed backlog " + queued, "listed backlog " + queued,
				"listed backlog " + queued, "listed backlog RUNNING " + app + "$Stuck",
				"listed orders RUNNING " + app + "$Stuck", "listed paused " + queued, "listed paused " + queued,
				"listed paused " + queued, "listed reports RUNNING SlowService.slowly",
				"listed reports RUNNING " + app + "$Stuck", "listed scheduler RUNNING " + app + "$Stuck",
				"listed single RUNNING " + app + "$Stuck");
		List<String> gauges = List.of("gauge orders 1.0", "gauge reports 2.0", "gauge scheduler 1.0",
				"gauge single 1.0", "gauge backlog 4.0", "gauge paused 3.0", "gauge asyncQueue 6.0");
		assertThat(run.stdout().lines().filter((line) -> line.startsWith("listed "))).containsExactlyElementsOf(listed);
		assertThat(run.stdout().lines().filter((line) -> line.startsWith("gauge "))).containsExactlyElementsOf(gauges);
		assertThat(run.stdout()).doesNotContain("timed out");
		// The same as the wrappers list and count without the agent.
		Run wrapped = run(OverdueBeansApplication.class, "-Dleaked-tasks.overdue-threshold=300ms");
		assertThat(wrapped.stdout().lines()).contains(
				"bean backlog org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor$$SpringCGLIB$$0 proxy true wrapped false");
		assertThat(wrapped.stdout().lines().filter((line) -> line.startsWith("listed ")))
			.containsExactlyElementsOf(listed);
		assertThat(wrapped.stdout().lines().filter((line) -> line.startsWith("gauge ")))
			.containsExactlyElementsOf(gauges);
		assertThat(wrapped.stdout()).doesNotContain("timed out");
	}

	private static String agent() {
		String jar = System.getProperty("leaked-tasks.agent.jar");
		assertThat(jar).as("system property leaked-tasks.agent.jar").isNotNull();
		return "-javaagent:" + jar;
	}

	private Run run(Class<?> main, String... jvmOptions) throws IOException, InterruptedException {
		return run(main, List.of(), jvmOptions);
	}

	private Run run(Class<?> main, List<String> arguments, String... jvmOptions)
			throws IOException, InterruptedException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx256m");
		command.addAll(List.of(jvmOptions));
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(main.getName());
		command.addAll(arguments);
		File stdout = Files.createTempFile(this.output, "stdout", ".txt").toFile();
		File stderr = Files.createTempFile(this.output, "stderr", ".txt").toFile();
		Process process = new ProcessBuilder(command).redirectOutput(stdout).redirectError(stderr).start();
		if (!process.waitFor(60, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IllegalStateException("Timed out: " + command);
		}
		return new Run(process.exitValue(), Files.readString(stdout.toPath(), StandardCharsets.UTF_8),
				Files.readString(stderr.toPath(), StandardCharsets.UTF_8));
	}

	private record Run(int exitCode, String stdout, String stderr) {
	}

}
