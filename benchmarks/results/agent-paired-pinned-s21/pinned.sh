#!/bin/bash
# The five rows of issue 14 only. Paired forks, without the agent and with it, in alternating order (ABBA), one JMH fork each, the fork pinned to
# one CPU (taskset) while the JVM still sees two (-XX:ActiveProcessorCount=2, so pools are sized as unpinned):
#   bash benchmarks/results/agent-paired-pinned-s21/pinned.sh jdk17 10
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bash benchmarks/results/agent-paired-pinned-s21/pinned.sh jdk25 10
# (results in benchmarks/results/agent-paired-pinned-s21, or $OUT), then
#   python3 benchmarks/results/agent-paired-pinned-s19/table.py benchmarks/results/agent-paired-pinned-s21
cd "$(dirname "$0")/../../.."   # the repository root
JAVA=${JAVA:-java}; CPU=${CPU:-1}
TAG=$1; PAIRS=$2; OUT=${OUT:-benchmarks/results/agent-paired-pinned-s21}; mkdir -p $OUT
ROWS='(submitGet|supplyAsyncJoin|chainOfThree|supplyAsyncOnCommonPoolJoin|burstSubmitGet)$'
for i in $(seq 1 $PAIRS); do
  if [ $((i % 2)) -eq 1 ]; then order="no agent"; else order="agent no"; fi
  for m in $order; do
    if [ $m = no ]; then re="AgentBenchmark\.$ROWS"; else re="AgentBenchmark\.WithAgent\.$ROWS"; fi
    taskset -c $CPU $JAVA -jar benchmarks/target/benchmarks.jar "$re" -f 1 -wi 3 -i 4 -jvmArgsPrepend -XX:ActiveProcessorCount=2 \
      -rf json -rff $OUT/$TAG-$i-$m.json > $OUT/$TAG-$i-$m.log 2>&1
  done
  echo "pair $i done $(date +%T)"
done
