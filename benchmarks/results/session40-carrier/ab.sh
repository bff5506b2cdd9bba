#!/bin/bash
cd /work/main
J=${JAVA:-java}; tag=${TAG:-17}
ROWS='AgentBenchmark.WithAgent.(chainOfThreeOnCaller|supplyAsyncJoinOnCaller|completedThenApplyJoin)$'
for r in 1 2; do
for jar in ${JARS:-766935c new}; do
  for mode in ${MODES:-sampled}; do
    $J -jar /tmp/s40/benchmarks.jar "$ROWS" -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc \
      -jvmArgsAppend "-Xms1g -Xmx1g -javaagent:/tmp/s40/agent-$jar.jar -Dleaked-tasks.creation-trace.mode=$mode" \
      -rf json -rff /tmp/s40/jmh/ab-$tag-$jar-$mode-$r.json > /tmp/s40/jmh/ab-$tag-$jar-$mode-$r.txt 2>&1
  done
done
done
