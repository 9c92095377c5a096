#!/usr/bin/env bash
# The long crash loop: the MVC sample in a child JVM under 8 incrementing browsers, SIGKILLed at random
# moments and restarted, on the filesystem backend and on S3 (the in-process S3 test server), then every
# browser's log of acknowledged increments checked against its stored count (CounterCrashLoopTest; the
# normal build runs it with 3 kills per backend). Prints one line of figures per backend.
#
#   samples/counter-mvc/crash-loop.sh            # 20 kills per backend
#   samples/counter-mvc/crash-loop.sh 50         # another number
#   samples/counter-mvc/crash-loop.sh 20 -o      # more Maven arguments, e.g. offline
#   CRASH_LOOP_SEED=1234 samples/counter-mvc/crash-loop.sh   # replay the random moments of a run
set -euo pipefail
cd "$(dirname "$0")/../.."
kills="${1:-20}"
shift || true
seed=()
if [[ -n "${CRASH_LOOP_SEED:-}" ]]; then
  seed=("-DcrashLoop.seed=${CRASH_LOOP_SEED}")
fi
log="samples/counter-mvc/target/crash-loop.log"
mkdir -p "$(dirname "$log")"
status=0
./mvnw -B -ntp -pl samples/counter-mvc -am verify -Dtest=CounterCrashLoopTest -Dsurefire.failIfNoSpecifiedTests=false \
  -DcrashLoop.kills="$kills" ${seed[@]+"${seed[@]}"} "$@" > "$log" 2>&1 || status=$?
grep -E '^Crash loop|Tests run:.*CounterCrashLoopTest|BUILD|FAIL' "$log" || true
if (( status != 0 )); then
  echo "failed; the whole output is in $log, the sample's own output under samples/counter-mvc/target/sample-processes/"
fi
exit "$status"
