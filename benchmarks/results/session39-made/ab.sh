#!/bin/bash
cd /work/main
J=${JAVA:-java}; tag=${TAG:-17}
ROWS='AgentBenchmark.WithAgent.(chainOfThreeOnCaller|supplyAsyncJoinOnCaller|completedThenApplyJoin)$'
for jar in ${JARS:-old new2}; do
  for mode in ${MODES:-always sampled}; do
    $J -jar benchmarks/target/benchmarks.jar "$ROWS" -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc \
      -jvmArgsAppend "-Xms1g -Xmx1g -javaagent:/tmp/s39/agent-$jar.jar -Dleaked-tasks.creation-trace.mode=$mode" \
      -rf json -rff /tmp/s39/jmh/ab-$tag-$jar-$mode-${ROUND:-3}.json > /tmp/s39/jmh/ab-$tag-$jar-$mode-${ROUND:-3}.txt 2>&1
  done
done
