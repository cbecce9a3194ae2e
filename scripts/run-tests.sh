#!/usr/bin/env bash
# The whole suite: unit and API tests on SQLite, again on PostgreSQL when one is reachable
# (required under CI), then the browser tests once. Prints which databases it ran on.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL=${ZHIDU_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/zhidu}
N=${ZHIDU_TEST_WORKERS:-2}
ran=()
fail=0

pg_reachable() {
  $PY - "$PG_URL" <<'PYEOF' >/dev/null 2>&1
import sys, dj_database_url, psycopg
c = dj_database_url.parse(sys.argv[1])
psycopg.connect(host=c["HOST"] or None, port=c["PORT"] or None, user=c["USER"] or None,
                password=c["PASSWORD"] or None, dbname="postgres", connect_timeout=3).close()
PYEOF
}

echo "== unit and API tests on SQLite"
mkdir -p var
if DATABASE_URL="sqlite:///$(pwd)/var/zhidu-test.sqlite3" $PY -m pytest -q -n "$N" -m "not browser and not postgres" zhidu; then
  ran+=("SQLite: passed")
else
  ran+=("SQLite: FAILED"); fail=1
fi

browser_db="sqlite:///$(pwd)/var/zhidu-test.sqlite3"
if pg_reachable; then
  echo "== unit and API tests on PostgreSQL ($PG_URL)"
  if DATABASE_URL="$PG_URL" $PY -m pytest -q -n "$N" -m "not browser" zhidu; then
    ran+=("PostgreSQL: passed")
  else
    ran+=("PostgreSQL: FAILED"); fail=1
  fi
  browser_db="$PG_URL"
elif [ "${CI:-}" = "true" ]; then
  echo "CI requires PostgreSQL at $PG_URL and cannot reach it." >&2
  ran+=("PostgreSQL: UNREACHABLE"); fail=1
else
  echo "== PostgreSQL not reachable at $PG_URL: skipped (set ZHIDU_TEST_DATABASE_URL to test it)"
  ran+=("PostgreSQL: skipped (not reachable)")
fi

if [ -d tests/browser ] && ls tests/browser/test_*.py >/dev/null 2>&1; then
  echo "== browser tests (Playwright + Debian chromium) on ${browser_db%%:*}"
  if scripts/ensure-chromium.sh; then
    if DATABASE_URL="$browser_db" DJANGO_ALLOW_ASYNC_UNSAFE=true $PY -m pytest -q -p no:xdist -m browser tests/browser; then
      ran+=("browser: passed")
    else
      ran+=("browser: FAILED"); fail=1
    fi
  else
    ran+=("browser: FAILED (no chromium)"); fail=1
  fi
fi

echo
echo "== databases and suites"
for r in "${ran[@]}"; do echo "   $r"; done
exit $fail
