"""Every failure of the ``qnsim`` commands is one line on stderr naming what is wrong, exit status
2, no traceback; output into a closed pipe ends quietly; ``python -m qnsim`` works. Run as real
processes, the way users meet them."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scenarios import two_node_scenario

TESTS = Path(__file__).parent
EXAMPLES = TESTS.parent / "examples"
SCENARIO = two_node_scenario(0.01, length_km=1.0, rate_hz=1e3)


def qnsim(*args, cwd=None, env=None, timeout=120):
    environment = {**os.environ, "PYTHONPATH": str(TESTS), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "qnsim", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=environment, timeout=timeout,
    )  # fmt: skip


def assert_one_line_failure(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO)
    return path


def test_python_dash_m_runs_the_command(scenario):
    assert qnsim("--version").stdout.startswith("qnsim ")
    proc = qnsim("run", scenario)
    assert proc.returncode == 0 and "0: a -> b" in proc.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["run", "{tmp}"], ["qnsim run: error:", "Is a directory"]),
        (["run", "{tmp}/missing.toml"], ["qnsim run: error:", "missing.toml: No such file or directory"]),
        (["run", "{scenario}", "--pairs"], ["--pairs", "--json"]),
        (["run", "{scenario}", "--until", "x"], ["--until: invalid float value: 'x'", "see qnsim run --help"]),
        (["run", "{scenario}", "--seed", "-1"], ["seed must be in [0, 2**64 - 1], got -1"]),
        (["run", "{bad}"], ["bad.toml: links[0].length_km must be >= 0 km, got -1"]),  # as written (-1)
        (["run", "{latin}"], ["latin.toml: not UTF-8 text"]),
        (
            ["sweep", "{scenario}", "--param", "links.0.length_km=1,2", "--out", "{tmp}/no/dir/rows.csv"],
            ["qnsim sweep: error:", "No such file or directory"],
        ),
        (
            ["sweep", "{scenario}", "--param", "links.0.length_km=1", "--out", "{tmp}/d.csv"],
            ["qnsim sweep: error:", "is a directory"],
        ),
        (["sweep", "{scenario}", "--param", "links.0.lenght_km=1"], ["qnsim sweep: error:", "lenght_km"]),
        (["sweep", "sweep_points:fails", "--param", "x=1,2", "--workers", "1", "--no-progress"], ["boom at x=2"]),
        (
            ["sweep", "{scenario}", "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9"],
            ["qnsim sweep: error:", "cannot reach the Dask scheduler at tcp://127.0.0.1:9"],
        ),
        (["frobnicate"], ["invalid choice: 'frobnicate'"]),
        (["qec", "circuit", "--distance", "x"], ["qnsim qec circuit: error:", "--distance: invalid int value: 'x'"]),
        (["qec", "sweep", "{tmp}/missing.toml"],
         ["qnsim qec sweep: error:", "missing.toml: No such file or directory"]),
        (["qec", "sweep", "{tmp}"], ["qnsim qec sweep: error:", "Is a directory"]),
        (["plot", "{tmp}/missing.csv"], ["qnsim plot: error:", "missing.csv"]),
        # An empty trace path used to mean "no trace", silently; huge QEC circuits built for hours.
        # An empty path was "." ("Is a directory"), no trace at all (--trace ''), or a TypeError.
        (["run", ""], ["qnsim run: error: argument scenario: a path must not be empty, got ''"]),
        (["run", "{scenario}", "--trace", ""], ["argument --trace: a path must not be empty, got ''"]),
        (["sweep", "", "--param", "x=1"], ["qnsim sweep: error: argument scenario: a path must not be empty"]),
        (["sweep", "{scenario}", "--out", ""], ["qnsim sweep: error: argument --out: a path must not be empty"]),
        (["estimate", "", "--links", "{scenario}"], ["argument workload: a path must not be empty"]),
        (["estimate", "{scenario}", "--links", ""], ["argument --links: a path must not be empty"]),
        (["qec", "sweep", ""], ["qnsim qec sweep: error: argument experiment: a path must not be empty"]),
        (["qec", "threshold", ""], ["qnsim qec threshold: error: argument rows: a path must not be empty"]),
        (["qec", "link", ""], ["qnsim qec link: error: argument scenario: a path must not be empty"]),
        (["qec", "circuit", "--out", ""], ["qnsim qec circuit: error: argument --out: a path must not be empty"]),
        (["plot", ""], ["qnsim plot: error: argument rows: a path must not be empty"]),
        (["qec", "circuit", "--distance", "100001"],
         ["qnsim qec circuit: error:", "distance must be at most 1001", "100001"]),
        (["qec", "circuit", "--rounds", "1000000000000"],
         ["qnsim qec circuit: error:", "rounds=1000000000000", "qubit-rounds"]),
        (["run", "{huge}"], ["huge.toml: topology: chain(n=1000000000000) has 999,999,999,999 links"]),
        (["run", "{flag}"], ["flag.toml: nodes[0]", "improvement must be a real number, got True"]),
    ],
)
def test_every_failure_is_one_line_with_status_2(tmp_path, scenario, args, fragments):
    bad = tmp_path / "bad.toml"
    bad.write_text(SCENARIO.replace("length_km = 1.0", "length_km = -1"))
    latin = tmp_path / "latin.toml"
    latin.write_bytes(SCENARIO.replace('"a"', '"\xe4"').encode("latin-1"))
    (tmp_path / "d.csv").mkdir()
    huge = tmp_path / "huge.toml"
    huge.write_text('[run]\nuntil_s = 0.001\n[topology]\nbuilder = "chain"\nn = 1000000000000\nlength_km = 1.0\n'
                    'fidelity = 0.9\nrate_hz = 1e3\n')
    flag = tmp_path / "flag.toml"
    flag.write_text(SCENARIO.replace('name = "a"', 'name = "a"\npreset = { name = "superconducting_transducer_link", '
                                                  'improvement = true }', 1))
    values = {"tmp": tmp_path, "scenario": scenario, "bad": bad, "latin": latin, "huge": huge, "flag": flag}
    proc = qnsim(*(a.format(**values) for a in args), cwd=tmp_path, timeout=180)
    assert_one_line_failure(proc, *fragments)


def test_an_unwritable_sweep_output_fails_before_any_point_runs(tmp_path):
    marker = tmp_path / "ran"
    proc = qnsim("sweep", "sweep_points:touch", "--param", f"marker={marker}", "--out", tmp_path / "no" / "x.csv",
                 "--no-progress")  # fmt: skip
    assert_one_line_failure(proc, "No such file or directory")
    assert not marker.exists()


def test_output_into_a_closed_pipe_ends_quietly(scenario):
    pipeline = f"'{sys.executable}' -m qnsim run '{scenario}' --json --pairs | head -c 20"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", pipeline], capture_output=True, text=True, timeout=120)
    assert proc.stdout.startswith("{") and proc.stderr == ""
    assert proc.returncode == 0


def children(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:  # pragma: no cover - procps missing
        pytest.skip("pgrep is not installed")
    return [int(p) for p in out.split()]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its (dead) parent's reaper does not compute: count it as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_workers_die_with_a_killed_sweep(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "qnsim", "sweep", "sweep_points:slow", "--param", "x=1,2,3,4,5,6,7,8",
         "--seeds", "20", "--workers", "2", "--no-progress", "--out", str(tmp_path / "rows.csv")],
        env={**os.environ, "PYTHONPATH": str(TESTS)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "rows.csv").exists() or (tmp_path / "rows.csv").stat().st_size < 100:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        workers = children(proc.pid)
        assert workers, "the sweep started no worker processes"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(w) for w in workers), "pool workers outlived the killed sweep"
