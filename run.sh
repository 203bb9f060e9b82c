#!/usr/bin/env bash
# IP Workbook's one entry point. It installs what the project needs, then
#   ./run.sh lab    opens the workbook in JupyterLab (installs only a learner's needs: .[lab] and Debian's graphviz)
#   ./run.sh test   runs every test (lint, unit, property, doctest, kernel)
#   ./run.sh book   builds the chapters as a static HTML book (chapters/_build/html)
#   ./run.sh lite   builds the JupyterLite site (lite/_output): the chapters on Pyodide in the browser, no server
# Extra words after `test` go to pytest, e.g. ./run.sh test -k route_print
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY=${PYTHON:-python3}
APT_UPDATED=

say() { printf '\033[1m[run.sh]\033[0m %s\n' "$*"; }

apt_install() {  # apt_install package...  (Debian; as root, or through sudo)
    local sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    if ! command -v apt-get >/dev/null; then
        say "please install: $* (no apt-get here)"; return 1
    fi
    if [ -z "$APT_UPDATED" ]; then
        say "apt-get update"; $sudo apt-get update -qq; APT_UPDATED=1
    fi
    say "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_python() {
    if ! command -v "$PY" >/dev/null; then apt_install python3 python3-venv; fi
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { say "Python 3.11 or newer is needed; $PY is $("$PY" --version)"; exit 1; }
    "$PY" -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
}

ensure_venv() {  # ensure_venv extras: install the workbook with those extras, unless a run already did
    local extras=$1 hash installed wanted missing=
    hash=$(sha256sum pyproject.toml | cut -c1-16)
    if [ ! -x "$VENV/bin/python" ]; then
        ensure_python
        say "creating $VENV"
        "$PY" -m venv "$VENV"
    fi
    # .installed holds "<extras> <hash>"; extras that an earlier run installed for this pyproject.toml count
    { read -r installed installed_hash < "$VENV/.installed"; } 2>/dev/null || true
    [ "${installed_hash:-}" = "$hash" ] || installed=
    for wanted in ${extras//,/ }; do
        [[ ",${installed:-}," == *",$wanted,"* ]] || missing=1
    done
    if [ -n "$missing" ]; then
        say "installing the workbook and its [$extras] extras into $VENV (first run takes a minute)"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e ".[$extras]"
        echo "$extras $hash" > "$VENV/.installed"
    fi
}

ensure_lab_tools() {  # what a learner's JupyterLab uses from Debian: Graphviz's dot draws the diagrams
    command -v dot >/dev/null || apt_install graphviz || say "no graphviz: diagrams are shown as text"
}

ensure_system_tools() {  # what the tests use from Debian (./run.sh test only; the browser is Debian's Chromium)
    command -v ip >/dev/null || apt_install iproute2 || say "no iproute2: kernel comparisons will be skipped"
    command -v dot >/dev/null || apt_install graphviz || say "no graphviz: diagram tests will be skipped"
    command -v arping >/dev/null || apt_install iputils-arping || say "no arping: the ARP probe test will be skipped"
    command -v bird >/dev/null || apt_install bird2 || say "no bird2: the RIP comparisons with BIRD will be skipped"
    command -v dhcrelay >/dev/null || apt_install isc-dhcp-relay || say "no dhcrelay: the relay comparison will be skipped"
    command -v dnsmasq >/dev/null || apt_install dnsmasq-base || say "no dnsmasq: the relay comparison will be skipped"
    command -v busybox >/dev/null || apt_install busybox || say "no busybox: the DHCP client comparison will be skipped"
    [ -x /usr/bin/chromium ] || apt_install chromium || say "no chromium: browser tests will be skipped"
}

case "${1:-}" in
    lab)
        shift
        ensure_venv "lab"
        ensure_lab_tools
        root=()
        [ "$(id -u)" -ne 0 ] || root=(--allow-root)
        say "opening JupyterLab on the workbook (Ctrl-C twice to stop)"
        exec "$VENV/bin/jupyter" lab --ip=127.0.0.1 "${root[@]}" --ServerApp.root_dir="$PWD" \
            --LabApp.default_url=/lab/tree/chapters/00_orientation.ipynb "$@"
        ;;
    test)
        shift
        ensure_venv "lab,test"
        ensure_system_tools
        say "ruff check"
        "$VENV/bin/ruff" check .
        say "pytest"
        status=0
        "$VENV/bin/python" -m pytest -n 2 --dist loadgroup "$@" || status=$?
        if [ "$status" -eq 5 ]; then say "pytest collected no tests"; exit 1; fi
        exit "$status"
        ;;
    book)
        shift
        ensure_venv "lab,test"
        ensure_system_tools
        say "building the chapters as a static book (executes every chapter)"
        "$VENV/bin/jupyter-book" build chapters --builder html -W -n --keep-going "$@"
        say "open chapters/_build/html/index.html"
        ;;
    lite)
        shift
        # A venv of its own: jupyterlite-pyodide-kernel's JupyterLab extension must not load in ./run.sh lab.
        lite_venv=lite/.venv
        ensure_python
        [ -x "$lite_venv/bin/python" ] || { say "creating $lite_venv"; "$PY" -m venv "$lite_venv"; }
        stamp=$(sha256sum pyproject.toml | cut -c1-16)
        if [ "$(cat "$lite_venv/.installed" 2>/dev/null)" != "$stamp" ]; then
            say "installing the [lite] build tools into $lite_venv"
            "$lite_venv/bin/python" -m pip install -q --upgrade pip
            mapfile -t tools < <("$lite_venv/bin/python" lite/build.py --requirements)
            "$lite_venv/bin/python" -m pip install -q "${tools[@]}"
            echo "$stamp" > "$lite_venv/.installed"
        fi
        command -v npm >/dev/null || apt_install npm || { say "npm is needed to fetch Pyodide"; exit 1; }
        say "building the JupyterLite site (npm: Pyodide, @viz-js/viz; PyPI: the wheels)"
        "$lite_venv/bin/python" lite/build.py "$@"
        say "serve it with: python3 -m http.server -d lite/_output -b 127.0.0.1 8000"
        say "then open http://127.0.0.1:8000/lab/index.html?path=chapters/01_route_tables.ipynb"
        ;;
    *)
        echo "usage: ./run.sh lab | ./run.sh test [pytest options] | ./run.sh book | ./run.sh lite" >&2
        exit 2
        ;;
esac
