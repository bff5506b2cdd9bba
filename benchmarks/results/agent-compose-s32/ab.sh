# The agent of two commits on one benchmark row, alternately, three times, on JDK 17 then Temurin 25: OLD is a
# directory whose benchmarks/target/leaked-tasks-agent.jar is the older agent, the repository's root (where this runs)
# holds the newer one; both run the repository's benchmarks jar. OUT is where the results go.
#   OLD=/tmp/old OUT=/tmp/out bash benchmarks/results/agent-compose-s32/ab.sh
set -e
JAR=$(pwd)/benchmarks/target/benchmarks.jar
NEW=$(pwd)
for jv in 17 25; do
  JAVA=java; [ $jv = 25 ] && JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
  mkdir -p "$OUT/ab$jv"
  for i in 1 2 3; do
    for arm in old new; do
      dir="$OLD"; [ $arm = new ] && dir="$NEW"
      (cd "$dir" && $JAVA -jar "$JAR" 'AgentBenchmark.WithAgent.thenComposePendingOnCaller$' -f 2 -prof gc -rf json \
        -rff "$OUT/ab$jv/ab-$arm-$i.json" > "$OUT/ab$jv/ab-$arm-$i.txt" 2>&1)
      grep -E "^AgentBenchmark" "$OUT/ab$jv/ab-$arm-$i.txt" | grep -E 'thenComposePendingOnCaller |alloc.rate.norm' \
        | sed "s/^/$jv $arm $i /" >> "$OUT/ab.txt"
    done
  done
done
