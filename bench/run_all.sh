#!/usr/bin/env bash
# Every benchmark run the README reports, one after the other (about twenty-five minutes).
# Needs the test tools installed (./dev test installs them) and PostgreSQL for the PostgreSQL runs.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
run() { echo; echo "=== $*"; "$python" bench/login_bench.py "$@" 2>&1 | grep -v '^INFO'; }

# Logins (issue 13): each run prints a block and a Markdown row; --clients counts concurrent requests.
# The headline: full logins/s against the limit one scrypt hash per login allows.
run --db sqlite
# The same on PostgreSQL.
run --db postgresql
# The OWASP PBKDF2 cost: a dearer hash, so the ratio to its limit nears 100 %.
run --db sqlite --password-hash pbkdf2:sha256:600000
# A trivial hash: the server CPU per login is all non-hash cost.
run --db sqlite --password-hash pbkdf2:sha256:1
# Open loop, 8 clients × 16 logins open: nobody waits for another's mail.
run --db sqlite --driver open --clients 8
# ... with a 5 s SMTP server (64 lanes per sender: 8 would deliver 3.2 messages a second): the mail lag is 5 s plus the queue.
run --db sqlite --driver open --clients 8 --mail-concurrency 64 --smtp-delay 5
# Open loop at 50 concurrent requests, each sender delivering 64 messages at once.
run --db sqlite --driver open --clients 50 --mail-concurrency 64
# ... and 5 s per message: does the outbox keep up (mail lag near 5 s, not growing)?
run --db sqlite --driver open --clients 50 --mail-concurrency 64 --smtp-delay 5
# Closed loop, 8 users each waiting 5 s for their code: the rate slow mail leaves.
run --db sqlite --clients 8 --smtp-delay 5
# SMTP down 60 s in the middle: every code delivered after it, once, none lost.
run --db sqlite --outage 60 --duration 150
# A mail worker killed (SIGKILL) mid-message: its claims are retried after the 20 s lease.
run --db sqlite --mail worker --kill-mail-worker-at 15 --smtp-delay 1 --mail-lease 20 --duration 40
echo; echo "=== members CSV export"
"$python" bench/export_bench.py --db sqlite 2>&1 | grep -v '^INFO'
"$python" bench/export_bench.py --db postgresql 2>&1 | grep -v '^INFO'
echo; echo "=== the Time page and the week grid"
"$python" bench/time_pages_bench.py --db sqlite 2>&1 | grep -v '^INFO'
"$python" bench/time_pages_bench.py --db postgresql 2>&1 | grep -v '^INFO'
echo; echo "=== reports at 1 000 000 entries (seeding them takes a minute the first time)"
"$python" bench/reports_bench.py --db both 2>&1 | grep -v '^INFO\|^WARN'
