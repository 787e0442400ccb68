#!/bin/bash
# usage: perfrun.sh file.sql  — runs file in a psql session while perf records that backend
F=$1
psql -h 127.0.0.1 -U postgres -d test -qAt <<SQL &
select pg_backend_pid() \g /tmp/exp_pid
select pg_sleep(1);
\i $F
SQL
sleep 0.5; PID=$(cat /tmp/exp_pid); perf record -g -p $PID -o /tmp/perf.data -- sleep 4 >/dev/null 2>&1; wait
perf report -i /tmp/perf.data --no-children --stdio 2>/dev/null | grep -E "^ +[0-9]+\.[0-9]+%" | head -40
