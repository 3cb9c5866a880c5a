#!/usr/bin/env bash
# Every test, in two pytest runs side by side: the browser suite (Chromium, its own system) and
# everything else. Most of the time of both goes to waiting on Kafka and the services, so on two
# cores running them together takes about the time of the longer one. Each run gets its own topic
# prefix and databases. The browser suite's output follows the other's; either failing fails.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
log=.cache/browser-tests.log
( make --no-print-directory browser && ${UV:-uv} run pytest tests/browser ) >"$log" 2>&1 &
browser=$!
${UV:-uv} run pytest --ignore=tests/browser "$@"
rest=$?
wait "$browser"
browser_rc=$?
echo "---- the browser suite (tests/browser; log: $log) ----"
cat "$log"
exit $(( rest != 0 || browser_rc != 0 ))
