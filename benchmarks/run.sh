#!/usr/bin/env bash
# Runs the benchmark suite and prints each figure as one line "name value unit", then a summary of
# the goals (the README's "Benchmarks" section shows the table).
#
#   benchmarks/run.sh                  # every goal's figure, about 10 minutes on 2 cores
#   BENCH_SCALE=0.3 benchmarks/run.sh  # shorter rounds (noisier figures), for trying the script out
#   BENCH_OFFLINE=1 benchmarks/run.sh  # build with Maven offline (dependencies already downloaded)
#   BENCH_EXTRA=1 benchmarks/run.sh    # also the HTTP figures that are no goal (two more apps,
#                                      # about 2 minutes more): a view as a handler argument, and
#                                      # the filesystem storage without its journal
#
# It builds the benchmarks module and the MVC sample with the Maven wrapper ("package", never
# "install"), runs them on the module's own classpath (target/classpath.txt), installs Debian's
# redis-server with apt-get if it is missing and starts one of its own (appendfsync everysec) on a
# free port, stopped on exit. Logs and recordings go to benchmarks/target/bench/.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
scale=${BENCH_SCALE:-1}
out=benchmarks/target/bench
results=$out/results.txt

offline=()
if [[ "${BENCH_OFFLINE:-0}" == 1 ]]; then
  offline=(-o)
fi

echo "# building (./mvnw package -pl benchmarks,samples/counter-mvc -am -DskipTests)" >&2
./mvnw -B -ntp -q "${offline[@]}" -pl benchmarks,samples/counter-mvc -am package -DskipTests >&2
rm -rf "$out"
mkdir -p "$out"
: > "$results"
sample_jar=$(ls "$root"/samples/counter-mvc/target/counter-mvc-*.jar | grep -v -- '-plain\|-sources' | head -1)

# redis-server: Debian's package, appendfsync everysec, its own port and directory.
if ! command -v redis-server > /dev/null; then
  echo "# installing redis-server (apt-get)" >&2
  if [[ $(id -u) == 0 ]]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq redis-server >&2
fi
redis_port=16379
while (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2> /dev/null; do
  redis_port=$((redis_port + 1))
done
mkdir -p "$out/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$root/$out/redis" --appendonly yes \
  --appendfsync everysec --save '' --daemonize no > "$out/redis.log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2> /dev/null || true' EXIT
for _ in $(seq 1 50); do
  if redis-cli -p "$redis_port" ping > /dev/null 2>&1; then break; fi
  sleep 0.1
done

cd benchmarks
cp=target/classes:$(cat target/classpath.txt)
out=target/bench
results=$out/results.txt

# Runs one step: its figure lines (and "#" notes) to the terminal and the results, its log to a file.
step() {
  local name=$1
  shift
  echo "# ---- $name" | tee -a "$results"
  local start=$SECONDS
  # (JFR announces its recording on standard output: that goes to the log.)
  if ! java -Xmx512m -cp "$cp" "$@" 2> "$out/$name.err" | grep --line-buffered -v '^\[.*\]\[jfr' | tee -a "$results"; then
    echo "# $name FAILED, see benchmarks/$out/$name.err" | tee -a "$results"
  fi
  local warnings
  warnings=$(grep -c ' WARN \| ERROR ' "$out/$name.err" || true)
  echo "# $name took $((SECONDS - start)) s; $warnings warning lines in benchmarks/$out/$name.err" | tee -a "$results"
}

echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)" | tee -a "$results"
step micro dev.durablestash.benchmarks.micro.MicroBenchmarks "$scale"
step memory dev.durablestash.benchmarks.engine.MemoryBenchmark
step s3 -XX:StartFlightRecording=filename=$out/s3.jfr,settings=profile \
  dev.durablestash.benchmarks.engine.S3EngineBenchmark "$scale"
step profile dev.durablestash.benchmarks.profile.JfrSummary "$out/s3.jfr" "S3 engine benchmark"
seconds=$(awk -v s="$scale" 'BEGIN { r = int(3 * s); print (r < 1 ? 1 : r) }')
# Each app's warm-up (taken in 10-s segments, the apps of a comparison in turn): on two cores the JIT
# compiles an app's request path for about a minute of this load. An app whose compilers still used more
# than 5% of its CPU in its last segment gets up to two more segments (the driver's notes show them).
warmup=$(awk -v s="$scale" 'BEGIN { r = int(50 * s); print (r < 5 ? 5 : r) }')
# The DurableStash app in memory against a MapSessionRepository app (one JVM and one warm-up each), and
# with BENCH_EXTRA=1 also the app taking its view as a handler argument against the same one.
memory_apps=(http_vs_spring_session_ratio stash-memory)
# The filesystem storage with its journal (the goal's figure) against a Redis app, and with
# BENCH_EXTRA=1 also without its journal against the same one.
fs_apps=(http_fs_vs_redis_ratio stash-fs-journal)
if [[ "${BENCH_EXTRA:-0}" == 1 ]]; then
  memory_apps+=(http_argument_view_vs_spring_session_ratio stash-memory-argument)
  fs_apps+=(http_fs_no_journal_vs_redis_ratio stash-fs)
fi
step http-memory dev.durablestash.benchmarks.http.LoadDriver compare "$seconds" "$warmup" "${memory_apps[@]}" map
step http-fs dev.durablestash.benchmarks.http.LoadDriver compare "$seconds" "$warmup" "${fs_apps[@]}" \
  "redis:$redis_port"
# The filesystem backend alone on this disk (no engine, no HTTP): the ceiling of the app above.
step fs-floor dev.durablestash.benchmarks.engine.FileSystemFloor "$scale"
step racing dev.durablestash.benchmarks.http.LoadDriver racing racing_increments_kept "sample:$sample_jar"
# Samples from the end of the fixed warm-up on (the first app of its comparison: its measured rounds start
# after the warm-ups of all the comparison's apps, and after its own extra segments, if any): the app's
# startup and its first requests are left out.
memory_app_count=$((${#memory_apps[@]} / 2 + 1))
step profile-http dev.durablestash.benchmarks.profile.JfrSummary "$out/stash-memory.jfr" \
  "HTTP counter app on DurableStash (in-memory storage), request threads" http-nio- \
  "$((memory_app_count * warmup))"
echo "# machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results"
echo "# run.sh took $((SECONDS / 60)) min $((SECONDS % 60)) s, the build included" | tee -a "$results"

# Summary: each goal of the table, met or missed by how much.
echo
echo "# summary (goal: met / missed)"
awk '
  function check(name, op, goal, unit) { order[++n] = name; ops[name] = op; goals[name] = goal; units[name] = unit }
  BEGIN {
    check("overhead_s3_p50_ratio", "<=", 1.1)
    check("group_commit_speedup", ">=", 25)
    check("puts_per_stash_contended", "<=", 0.05)
    check("many_sessions_throughput_ratio", ">=", 0.9)
    check("inmemory_stash_per_s", ">=", 200000)
    check("inmemory_recover_per_s", ">=", 1000000)
    check("http_vs_spring_session_ratio", ">=", 0.9)
    check("http_fs_vs_redis_ratio", ">=", 1.0)
    check("engine_heap_mb_100k_sessions", "<=", 16)
    check("threads_delta_100k_sessions", "<=", 0)
    check("gets_per_warm_mount", "<=", "1/0")
    check("racing_increments_kept", ">=", 100)
  }
  /^[a-z]/ { value[$1] = $2 }
  END {
    met = 0
    for (i = 1; i <= n; i++) {
      name = order[i]; op = ops[name]; goal = goals[name]
      if (!(name in value)) { printf "%-32s %-10s goal %s %s: NOT MEASURED\n", name, "-", op, goal; continue }
      v = value[name]
      if (name == "gets_per_warm_mount") {
        split(v, a, "/"); ok = (a[1] + 0 <= 1 && a[2] + 0 <= 0); how = ok ? "" : " (needs at most 1 with revalidation, 0 without)"
      } else if (op == "<=") {
        ok = (v + 0 <= goal + 0)
        how = ok ? "" : (goal + 0 == 0 ? sprintf(" by %s", v) : sprintf(" by %.0f%% (%.2fx the goal)", 100 * (v / goal - 1), v / goal))
      } else {
        ok = (v + 0 >= goal + 0)
        how = ok ? "" : sprintf(" by %.0f%% (at %.2f of the goal)", 100 * (1 - v / goal), v / goal)
      }
      if (ok) met++
      printf "%-32s %-10s goal %s %s: %s%s\n", name, v, op, goal, ok ? "met" : "MISSED", how
    }
    if (("group_commit_speedup" in value) && ("minimal_group_commit_speedup" in value))
      printf "(group_commit_speedup is %.2f of minimal_group_commit_speedup, %s, measured in the same run, their rounds in turns: a group commit that does none of what the engine does)\n", value["group_commit_speedup"] / value["minimal_group_commit_speedup"], value["minimal_group_commit_speedup"]
    printf "%d of %d goals met\n", met, n
  }
' "$results" | tee "$out/summary.txt"
