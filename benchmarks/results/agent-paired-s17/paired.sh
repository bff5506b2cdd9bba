#!/bin/bash
# Paired forks, without the agent and with it, in alternating order (ABBA), one JMH fork each:
#   bash benchmarks/results/agent-paired-s17/paired.sh jdk17 8
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bash benchmarks/results/agent-paired-s17/paired.sh jdk25 8
# (results in benchmarks/results/agent-paired, or $OUT), then
#   python3 benchmarks/results/agent-paired-s17/table.py benchmarks/results/agent-paired
cd "$(dirname "$0")/../../.."   # the repository root
JAVA=${JAVA:-java}
TAG=$1; PAIRS=$2; OUT=${OUT:-benchmarks/results/agent-paired}; mkdir -p $OUT
ROWS='(submitGet|supplyAsyncJoin|chainOfThree|supplyAsyncOnCommonPoolJoin|completedThenApplyJoin|futureTaskRunGetOnCaller|supplyAsyncJoinOnCaller|chainOfThreeOnCaller|burstSubmitGet)$'
for i in $(seq 1 $PAIRS); do
  if [ $((i % 2)) -eq 1 ]; then order="no agent"; else order="agent no"; fi
  for m in $order; do
    if [ $m = no ]; then re="AgentBenchmark\.$ROWS"; else re="AgentBenchmark\.WithAgent\.$ROWS"; fi
    $JAVA -jar benchmarks/target/benchmarks.jar "$re" -f 1 -wi 3 -i 4 -rf json -rff $OUT/$TAG-$i-$m.json > $OUT/$TAG-$i-$m.log 2>&1
  done
  echo "pair $i done $(date +%T)"
done
