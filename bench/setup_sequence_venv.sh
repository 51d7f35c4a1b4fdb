#!/usr/bin/env bash
# Create (idempotently) the optional SeQUeNCe side-by-side venv: bench/.venv-sequence.
#
# SeQUeNCe >= 1.0 needs Python >= 3.12 (on 3.11 pip silently resolves `sequence` to 0.8.5, with a
# different API), and pulls in ~126 packages (qutip, jupyterlab, ...), so it lives in its own venv,
# never in the project's main environment. qnsim itself is installed into the same venv from the
# repository root so that both simulators run in one process.
#
# Usage: bash bench/setup_sequence_venv.sh           (re-running is cheap: it skips what is there)
#        QNSIM_SEQ_PYTHON=/path/to/python3.12 bash bench/setup_sequence_venv.sh   (pick the interpreter)
#        QNSIM_SEQ_SKIP_QNSIM=1 ...                   (do not (re)install qnsim)
#        QNSIM_SEQ_REINSTALL_QNSIM=1 ...              (force a rebuild of qnsim into the venv)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="$HERE/.venv-sequence"
SEQ_SPEC="sequence>=1.3"

die() { echo "setup_sequence_venv: ERROR: $*" >&2; exit 1; }
say() { echo "setup_sequence_venv: $*"; }

is_312plus() {  # $1 = interpreter; true if it runs and is >= 3.12
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
    if [[ -n "${QNSIM_SEQ_PYTHON:-}" ]]; then
        is_312plus "$QNSIM_SEQ_PYTHON" || die "QNSIM_SEQ_PYTHON=$QNSIM_SEQ_PYTHON is not a Python >= 3.12"
        echo "$QNSIM_SEQ_PYTHON"; return
    fi
    local cand
    # 1) pyenv-installed 3.12 / 3.13 (present on the project machines)
    local pyroot="${PYENV_ROOT:-$HOME/.pyenv}"
    for cand in "$pyroot"/versions/3.12*/bin/python3 "$pyroot"/versions/3.13*/bin/python3; do
        [[ -x "$cand" ]] && is_312plus "$cand" && { echo "$cand"; return; }
    done
    # 2) anything on PATH (apt's python3.12, a system python3 that is new enough)
    for cand in python3.12 python3.13 python3; do
        if command -v "$cand" >/dev/null 2>&1 && is_312plus "$(command -v "$cand")"; then
            command -v "$cand"; return
        fi
    done
    return 1
}

# --- 1. the venv -----------------------------------------------------------------------------------
if [[ -x "$VENV/bin/python" ]] && is_312plus "$VENV/bin/python"; then
    say "venv exists: $VENV ($("$VENV/bin/python" -V 2>&1))"
else
    [[ -e "$VENV" ]] && { say "removing broken/old venv at $VENV"; rm -rf "$VENV"; }
    PY="$(find_python)" || die "no Python >= 3.12 found.
  Options: 'pyenv install 3.12' (then re-run), or 'apt-get install python3.12 python3.12-venv',
  or point QNSIM_SEQ_PYTHON at a 3.12+ interpreter."
    say "creating venv with $PY ($("$PY" -V 2>&1))"
    "$PY" -m venv "$VENV" || die "'$PY -m venv' failed (on Debian: apt-get install python3.12-venv)"
fi
VPY="$VENV/bin/python"

# --- 2. SeQUeNCe + numpy -----------------------------------------------------------------------------
if "$VPY" - <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
v = tuple(int(x) for x in version("sequence").split(".")[:2])
import numpy, sequence.topology.router_net_topo  # noqa: F401
sys.exit(0 if v >= (1, 3) else 1)
PY
then
    say "sequence $("$VPY" -c 'from importlib.metadata import version; print(version("sequence"))') already installed"
else
    say "installing $SEQ_SPEC and numpy (about 126 packages; a few minutes)"
    "$VPY" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
    "$VPY" -m pip install "$SEQ_SPEC" numpy || die "pip install '$SEQ_SPEC' failed (see pip's output above)"
    "$VPY" -c 'import sequence.topology.router_net_topo' || die "sequence installed but does not import"
fi

# --- 3. qnsim itself from the repo root (native build via scikit-build-core) ----------------------------
if [[ "${QNSIM_SEQ_SKIP_QNSIM:-0}" == "1" ]]; then
    say "skipping qnsim install (QNSIM_SEQ_SKIP_QNSIM=1)"
elif [[ "${QNSIM_SEQ_REINSTALL_QNSIM:-0}" != "1" ]] \
        && "$VPY" -c "import sys; sys.path.insert(0, '$HERE'); import qnsim_chain" >/dev/null 2>&1; then
    # qnsim_chain refuses an install of other sources than this tree's (its require_current_build).
    say "qnsim already installed in the venv, built from this tree (QNSIM_SEQ_REINSTALL_QNSIM=1 to rebuild it)"
else
    command -v cmake >/dev/null 2>&1 || say "warning: cmake not on PATH; pip will try the cmake wheel"
    say "installing qnsim from $ROOT (builds the native core; needs a C++17 compiler)"
    "$VPY" -m pip install "$ROOT" || die "pip install $ROOT failed: the SeQUeNCe half still works;
  re-run with QNSIM_SEQ_SKIP_QNSIM=1 to skip qnsim, or fix the build and re-run."
fi

say "ready. Run: $VPY $HERE/vs_sequence.py --nodes 2 3 5 10"
