#!/usr/bin/env bash
# Every test, in three pytest lanes side by side: the browser suite (Chromium, its own system), the
# system's tests (tests/: e2e, contracts; their own system) and the services' and the shared
# library's own tests. Most of the time of each goes to waiting on Kafka, PostgreSQL and the
# services, so on two cores running them together takes about the time of the longest one. Each
# run gets its own topic prefix and databases, so no run's events reach another run's services.
# The other runs' output follows the system tests'; any failing fails.
#
# The system's tests that start what they need themselves (the short fault suite and the broker
# outage their own broker and system, the erasure replay and the tracing test their own systems,
# the alerts' check one process per service) run in the browser lane, after the browser suite:
# that lane ended minutes before the others, and the system lane was the longest (a clean-clone
# run: 1,002 s, of which four of them took ~380 s; the services' own lane 805 s, the browser
# suite 358 s). The broker outage used to stop the shared broker and ran alone after every lane.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
browser_log=.cache/browser-tests.log
without_system=(
  tests/test_alerts.py tests/e2e/test_fault_suite_short.py tests/e2e/test_erasure_replay.py tests/e2e/test_tracing.py
  tests/e2e/test_broker_outage.py
)
own_log=.cache/own-tests.log
(
  make --no-print-directory browser && ${UV:-uv} run pytest tests/browser
  browser_suite_rc=$?
  ${UV:-uv} run pytest "${without_system[@]}" "$@" && exit $browser_suite_rc
) >"$browser_log" 2>&1 &
browser=$!
${UV:-uv} run pytest libs/common/tests services --durations=10 "$@" >"$own_log" 2>&1 &
own=$!
${UV:-uv} run pytest tests --ignore=tests/browser "${without_system[@]/#/--ignore=}" --durations=15 "$@"
system_rc=$?
wait "$own"
own_rc=$?
wait "$browser"
browser_rc=$?
echo "---- the services' and libs/common's own tests (log: $own_log) ----"
cat "$own_log"
echo "---- the browser suite, then the system tests that start their own (log: $browser_log) ----"
cat "$browser_log"
exit $(( system_rc != 0 || own_rc != 0 || browser_rc != 0 ))
