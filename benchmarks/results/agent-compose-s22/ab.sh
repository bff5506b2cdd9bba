# The agent of two commits on one benchmark row, alternately, three times: OLD is a checkout whose
# benchmarks/target/leaked-tasks-agent.jar is the older agent, the repository's root the newer one; both run the
# benchmarks jar of the repository's root. OUT is where the results go.
#   OLD=/tmp/old OUT=/tmp/out bash benchmarks/results/agent-compose-s22/ab.sh
set -e
JAR=$(pwd)/benchmarks/target/benchmarks.jar
NEW=$(pwd)
for i in 1 2 3; do
  for arm in old new; do
    dir="$OLD"; [ $arm = new ] && dir="$NEW"
    (cd "$dir" && java -jar "$JAR" 'AgentBenchmark.WithAgent.thenComposePendingOnCaller$' -f 2 -rf json -rff "$OUT/ab-$arm-$i.json" > "$OUT/ab-$arm-$i.txt" 2>&1)
    grep -E "^AgentBenchmark" "$OUT/ab-$arm-$i.txt" | tail -1 | sed "s/^/$arm $i /" >> "$OUT/ab.txt"
  done
done
