"""Progress and Ctrl-C of the estimator's long native passes (streamed files, parse, count, placed counts).

Before, each pass ran without the GIL and never looked for signals: a Ctrl-C during a 10^8-gate
``qnsim estimate --stream`` waited for the whole ~50 s count, and nothing showed how far it was.
"""

from __future__ import annotations

import gc
import json
import signal
import subprocess
import sys
import time

import pytest

from qnsim.estimate import QPU, Link, Workload, estimate, stream_circuit_file
from qnsim.estimate_cli import main

# A block of ~1 MB of unrolled gates: repeated, it makes a file that takes seconds to count.
_BLOCK = "".join(f"CX {i % 97} {(i * 7 + 1) % 97 + 97}\nH {i % 50}\nT {i % 13}\nM {i % 31}\n" for i in range(20_000))
_LINKS = '[[qpu]]\nnum_qubits = 200\ncount = 2\n[[link]]\nqpus = [0, 1]\nrate_hz = 1e6\nfidelity = 0.99\n'


def _write(path, blocks: int) -> None:
    with open(path, "w") as f:
        for _ in range(blocks):
            f.write(_BLOCK)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """~80 MB, 10^7 lines: about 3 s to count (generated, never committed)."""
    path = tmp_path_factory.mktemp("big") / "big.stim"
    _write(path, 80)
    (path.parent / "links.toml").write_text(_LINKS)
    return path


def _interrupt(code: str) -> tuple[subprocess.CompletedProcess, float]:
    """Runs `code` in a child that prints 'ready' before its long call; SIGINT 0.3 s later.
    Returns the finished child and the seconds from the signal to its exit."""
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        sent = time.perf_counter()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
        waited = time.perf_counter() - sent
    finally:
        child.kill()
    return subprocess.CompletedProcess(child.args, child.returncode, out, err), waited


def test_ctrl_c_stops_a_streamed_count_promptly(big_file):
    """Old: the child ignored SIGINT until the whole file was counted (~3 s here, ~50 s for 10^8
    gates) and only then raised. Now it stops after the chunk being counted."""
    done, waited = _interrupt(
        "from qnsim.estimate import stream_circuit_file\n"
        "print('ready', flush=True)\n"
        f"stream_circuit_file({str(big_file)!r}, chunk_bytes=1 << 16)\n"
        "print('finished', flush=True)\n"
    )
    assert done.returncode != 0 and "finished" not in done.stdout
    assert done.stderr.strip().endswith("KeyboardInterrupt"), done.stderr
    assert waited < 1.0, f"{waited:.2f} s from SIGINT to exit"


def test_ctrl_c_stops_qnsim_estimate_stream_with_one_line(big_file):
    """The CLI: status 130 and one line on stderr, no traceback (old: the count ran to its end)."""
    links = big_file.parent / "links.toml"
    done, waited = _interrupt(
        "import sys\nfrom qnsim.estimate_cli import main\n"
        "print('ready', flush=True)\n"
        f"sys.exit(main(['estimate', {str(big_file)!r}, '--links', {str(links)!r}, '--stream']))\n"
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "qnsim estimate: interrupted", done.stderr
    assert "Traceback" not in done.stderr
    assert waited < 1.5, f"{waited:.2f} s from SIGINT to exit"


def _alarm_interrupts(call, after_s: float = 0.05):
    """Raises KeyboardInterrupt from a SIGALRM handler during `call` (as Ctrl-C does); returns
    the CPU seconds this process spent from the start of `call` until it gave up (CPU, not wall
    time: on a loaded machine the wall time stretches while the work between signal checks does
    not; the alarm itself is `after_s` of wall time, so at most `after_s` of CPU before it)."""

    def interrupt(*_):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    # Python code in a gc callback (hypothesis installs one) would run the handler inside a
    # collection, where its KeyboardInterrupt is unraisable and lost: no collections meanwhile.
    gc.disable()
    try:
        signal.setitimer(signal.ITIMER_REAL, after_s)
        start = time.process_time()
        with pytest.raises(KeyboardInterrupt):
            call()
        return time.process_time() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        gc.enable()


def test_ctrl_c_stops_parse_count_and_placed_counts():
    """Parse, symbolic count (rotation layers unrolled up to 2^27 visits) and the placed schedule
    each check for signals every 2^20 visits (old: each ran to its end before the interrupt)."""
    text = _BLOCK * 20  # ~20 MB: parsing takes ~0.5 s
    assert _alarm_interrupts(lambda: Workload(text, progress=False)) < 0.3
    # 2^27 - 1 target visits of rotation layers, unrolled: ~0.5 s.
    looped = Workload("REPEAT 19173961 {\nRZ(0.1) 0\nT 1\nCX 0 1\n}\n")
    assert _alarm_interrupts(lambda: looped.count(progress=False)) < 0.3
    # The placed pass reports through the same check: a report that raises stops it at once.
    wide = Workload(_BLOCK * 10)
    args = ([q % 2 for q in range(200)], 2, [1e-6] * 2, [1e-6] * 2, [1e-6] * 2, [1e-6] * 2, [1e-3] * 4, [1e-3] * 4)
    reports: list[int] = []

    def stop(done: int, total: int) -> None:
        reports.append(done)
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        wide._placed(*args, progress=stop)
    assert len(reports) == 2 and reports[1] >= 1 << 20  # stopped at the first report after the start


def test_progress_is_monotone_up_to_the_file_size_and_changes_nothing(tmp_path):
    """The callback sees the bytes read after every chunk, rising to the file's size; the counts
    are the same with and without it, bit for bit."""
    path = tmp_path / "w.stim"
    _write(path, 1)
    size = path.stat().st_size
    seen: list[tuple[int, int]] = []
    with_progress = stream_circuit_file(path, chunk_bytes=4096, progress=lambda d, t: seen.append((d, t)))
    plain = stream_circuit_file(path, chunk_bytes=4096, progress=False)
    assert with_progress.to_dict() == plain.to_dict()
    assert (with_progress.pair_weight == plain.pair_weight).all()
    assert {t for _, t in seen} == {size}
    done = [d for d, _ in seen]
    assert done[0] == 0 and done[-1] == size and done == sorted(done)
    assert len(seen) >= size // 4096  # one report per chunk
    assert stream_circuit_file(path, progress=True).to_dict() == plain.to_dict()  # the bar changes nothing


def test_count_and_placed_progress_phases():
    """count(): the symbolic pass (instructions + targets) then the rotation layers (unrolled
    visits), each monotone up to its total; results the same with a callback."""
    text = "REPEAT 400000 {\nRZ(0.1) 0\nT 1\nCX 0 1\n}\nRZ(0.2) 1\n"
    seen: list[tuple[int, int]] = []
    counted = Workload(text).count(progress=lambda d, t: seen.append((d, t)))
    assert counted.to_dict() == Workload(text).count(progress=False).to_dict()
    phases: list[list[tuple[int, int]]] = []
    for d, t in seen:
        if d == 0:
            phases.append([])
        phases[-1].append((d, t))
    assert len(phases) == 2
    # Instructions + targets: 3 + 4 in the body, the REPEAT and RZ 1 on top.
    assert phases[0][-1] == (7 + 1 + 2, 7 + 1 + 2)
    total = 400_000 * 7 + 2
    assert all(t == total for _, t in phases[1]) and phases[1][-1][0] == total
    assert [d for d, _ in phases[1]] == sorted(d for d, _ in phases[1]) and len(phases[1]) >= 3
    placed: list[tuple[int, int]] = []
    w = Workload(text)
    args = ([0, 1], 2, [1e-6] * 2, [1e-6] * 2, [1e-6] * 2, [1e-6] * 2, [0, 1e-3, 1e-3, 0], [0, 1e-3, 1e-3, 0])
    assert w._placed(*args, progress=lambda d, t: placed.append((d, t))) == w._placed(*args, progress=False)
    # The static pass (total known), then the schedule: total unknown (0) until its end reports it.
    assert placed[:3] == [(0, 10), (10, 10), (0, 0)]
    assert placed[-1][0] == placed[-1][1] > 0


def test_estimate_and_cli_take_progress(tmp_path, capsys):
    """estimate(progress=...) hands the callback to the native passes; `qnsim estimate
    --progress` draws a bar on stderr and the same report as --no-progress."""
    text = "REPEAT 1000 {\n  CX 0 1\n  H 0\n}\n"
    seen: list[tuple[int, int]] = []
    qpus, links = [QPU(num_qubits=1), QPU(num_qubits=1)], [Link((0, 1), rate_hz=1e6, fidelity=0.99)]
    r = estimate(text, qpus, links, progress=lambda d, t: seen.append((d, t)))
    assert r.to_dict() == estimate(text, qpus, links, progress=False).to_dict()
    assert seen and seen[0][0] == 0
    with pytest.raises(TypeError, match="progress must be True, False, None or a callable"):
        estimate(text, qpus, links, progress="yes")
    (tmp_path / "w.stim").write_text(text)
    (tmp_path / "links.toml").write_text(_LINKS)
    argv = [str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json", "--stream"]
    (tmp_path / "w.stim").write_text("CX 0 100\nH 0\n" * 1000)
    assert main([*argv, "--progress"]) in (0, 1)
    shown = capsys.readouterr()
    assert "counting" in shown.err and "B/s" in shown.err
    assert main([*argv, "--no-progress"]) in (0, 1)
    quiet = capsys.readouterr()
    assert quiet.err == "" and json.loads(quiet.out) == json.loads(shown.out)


def test_ctrl_c_stops_unrolling_for_simulate_execution():
    """Workload.unroll (simulate_execution's first step) built ~5 us Python tuples per operation
    holding the GIL without a check: old, a SIGALRM 0.3 s into simulate_execution on 200,000
    operations ran its handler only after the whole unroll (1.3 s). Now within 4096 tuples."""
    w = Workload("REPEAT 400000 {\n  CX 0 1\n  H 0\n}")
    assert _alarm_interrupts(lambda: w.unroll(10**6)) < 0.3


def test_simulate_execution_progress_counts_operations():
    """simulate_execution(progress=callable): operations completed, every 1024, up to the total;
    the same result without it."""
    from qnsim.estimate.simulate import simulate_execution

    ideal = QPU(e_2q=0.0, e_meas=0.0)
    text, links = "REPEAT 2500 {\n  CX 0 1\n  H 0\n}", [Link((0, 1), rate_hz=1e6, fidelity=1.0)]
    seen: list[tuple[int, int]] = []
    r = simulate_execution(text, [ideal, ideal], links, placement=[0, 1], progress=lambda d, t: seen.append((d, t)))
    assert r == simulate_execution(text, [ideal, ideal], links, placement=[0, 1], progress=False)
    assert [d for d, _ in seen] == [0, *range(1024, 5000, 1024), 5000] and {t for _, t in seen} == {5000}
    with pytest.raises(TypeError, match="progress must be"):
        simulate_execution(text, [ideal, ideal], links, placement=[0, 1], progress=1)


def test_bar_follows_phases_and_closes_an_unknown_total(capsys):
    """NativeBar: a report from 0 again (or with another total) starts the next phase and label;
    the (done, done) that ends a phase of unknown total finishes that phase instead of starting one."""
    from qnsim.progress import NativeBar

    bar = NativeBar(True, ("placed counts", "scheduling"), "op")
    for done, total in [(0, 10), (10, 10), (0, 0), (5, 0), (16, 16)]:
        bar(done, total)
    assert bar._phase == 1 and bar._label() == "scheduling" and bar._bar.total == 16 and bar._bar.n == 16
    bar.close()
    err = capsys.readouterr().err
    assert "placed counts" in err and "scheduling" in err
