#!/usr/bin/env bash
# Every benchmark run the README reports, one after the other (about fifteen minutes).
# Needs the test tools installed (./dev test installs them) and PostgreSQL for the PostgreSQL runs.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
run() { echo; echo "=== $*"; "$python" bench/login_bench.py "$@" 2>&1 | grep -v '^INFO'; }

run --db sqlite
run --db postgresql
run --db sqlite --flow password
run --db sqlite --flow password --smtp-delay 5
run --db sqlite --outage 60 --duration 150
echo; echo "=== members CSV export"
"$python" bench/export_bench.py --db sqlite 2>&1 | grep -v '^INFO'
"$python" bench/export_bench.py --db postgresql 2>&1 | grep -v '^INFO'
echo; echo "=== the Time page and the week grid"
"$python" bench/time_pages_bench.py --db sqlite 2>&1 | grep -v '^INFO'
"$python" bench/time_pages_bench.py --db postgresql 2>&1 | grep -v '^INFO'
echo; echo "=== reports at 1 000 000 entries (seeding them takes a minute the first time)"
"$python" bench/reports_bench.py --db both 2>&1 | grep -v '^INFO\|^WARN'
