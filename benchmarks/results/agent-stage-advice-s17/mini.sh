#!/bin/bash
# Rounds of three forks on Temurin 25: without the agent, with this agent, with the previous agent jar (OLD_AGENT),
# in rotating order:  OLD_AGENT=/path/to/old/leaked-tasks-agent.jar bash benchmarks/results/agent-stage-advice-s17/mini.sh
cd "$(dirname "$0")/../../.."   # the repository root
J=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
OUT=${OUT:-benchmarks/results/agent-stage-advice}; mkdir -p $OUT
ROWS='(chainOfThreeOnCaller|completedThenApplyJoin)$'
for i in 1 2 3 4 5 6; do
  case $((i % 3)) in 0) order="no new old";; 1) order="new old no";; 2) order="old no new";; esac
  for m in $order; do
    case $m in
      no) $J -jar benchmarks/target/benchmarks.jar "AgentBenchmark\.$ROWS" -f 1 -wi 3 -i 4 -prof gc -rf json -rff $OUT/$i-$m.json > $OUT/$i-$m.log 2>&1;;
      new) $J -jar benchmarks/target/benchmarks.jar "AgentBenchmark\.WithAgent\.$ROWS" -f 1 -wi 3 -i 4 -prof gc -rf json -rff $OUT/$i-$m.json > $OUT/$i-$m.log 2>&1;;
      old) $J -jar benchmarks/target/benchmarks.jar "AgentBenchmark\.WithAgent\.$ROWS" -f 1 -wi 3 -i 4 -prof gc -jvmArgsAppend "-Xms1g -Xmx1g -javaagent:${OLD_AGENT:?the previous agent jar}" -rf json -rff $OUT/$i-$m.json > $OUT/$i-$m.log 2>&1;;
    esac
  done
  echo "round $i $(date +%T)"
done
