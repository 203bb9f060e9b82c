#!/usr/bin/env bash
# Time what a fresh clone's first ./run.sh lab or ./run.sh test installs, with no pip cache. Prints figures only.
#   benchmarks/time_install.sh lab  [pypi]   # until JupyterLab answers (then stops it)
#   benchmarks/time_install.sh test [pypi]   # the install, ruff and the tests' collection (pytest --co)
# "pypi" ignores this machine's pip configuration (local indexes, find-links): PyPI alone, as on a laptop.
# Debian packages already installed are not reinstalled: run it on a machine without them to count apt-get too.
set -euo pipefail
mode=${1:?lab or test} source=${2:-machine}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/clone"
cd "$work/clone"
export PIP_NO_CACHE_DIR=1
if [ "$source" = pypi ]; then export PIP_CONFIG_FILE=/dev/null; unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL; fi
start=$(date +%s.%N)
if [ "$mode" = lab ]; then
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    setsid ./run.sh lab --no-browser --port="$port" > run.log 2>&1 &
    pid=$!
    until python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/lab', timeout=2)" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { tail run.log; exit 1; }
        sleep 1
    done
    end=$(date +%s.%N)
    kill -- -"$pid"
    wait "$pid" 2>/dev/null || true
else
    ./run.sh test --co -q > run.log 2>&1 || { tail run.log; exit 1; }
    end=$(date +%s.%N)
fi
seconds=$(python3 -c "print(round($end - $start))")
packages=$(.venv/bin/python -m pip list 2>/dev/null | tail -n +3 | wc -l)
echo "./run.sh $mode from a fresh clone, no pip cache ($source): ${seconds} s; .venv $(du -sh .venv | cut -f1)," \
     "$packages packages; load average $(cut -d' ' -f1-3 /proc/loadavg)"
