"""qnsim logging: records with simulated times, from the native stats after a run step; free when off."""

import io
import logging
import re

import pytest

import qnsim
from qnsim.cli import main as cli_main
from qnsim.logs import SimTimeFilter, SimTimeFormatter, stderr_logging


def _net(**request):
    net = qnsim.Network(seed=3)
    for n in ("a", "b"):
        net.add_node(n)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
    net.request("a", "b", **request)
    return net


@pytest.fixture()
def records():
    """The qnsim records of a test, as emitted (caplog would also see them; this keeps ours apart)."""
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record)

    logger = logging.getLogger("qnsim")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield seen
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_run_records_carry_simulated_times(records):
    net = _net(num_pairs=5, name="up")
    net.run(0.2)
    lines = [(r.name, r.levelname, r.sim_time_s, r.getMessage()) for r in records]
    assert lines[0] == ("qnsim.network", "INFO", 0.0, "run from 0 s to 200 ms: 2 nodes, 1 link, 1 request")
    assert lines[1] == ("qnsim.network", "INFO", 0.0, "request 0 up admitted (path a-b)")
    assert lines[2][2] == pytest.approx(0.05)
    assert lines[2][3] == "request 0 up served: 5 of 5 pairs, mean fidelity 0.9000"
    assert lines[3][:3] == ("qnsim.network", "INFO", 0.2)
    assert re.fullmatch(r"run reached 200 ms: 5 pairs delivered, \d+ events", lines[3][3])
    # A second step logs only what happened in it.
    records.clear()
    net.run(0.3)
    messages = [r.getMessage() for r in records]
    assert len(messages) == 2 and messages[0] == "run from 200 ms to 300 ms: 2 nodes, 1 link, 1 request"
    assert messages[1].startswith("run reached 300 ms: 5 pairs delivered, ")


def test_drops_and_unentangled_pairs_are_warnings(records):
    net = qnsim.Network(seed=1)
    for n in ("a", "b"):
        net.add_node(n)
    net.add_link("a", "b", length_km=1.0, fidelity=0.4, rate_hz=100.0)
    net.request("a", "b", num_pairs=100, deadline_s=0.05)
    net.run(0.2)
    warnings = [(r.sim_time_s, r.getMessage()) for r in records if r.levelno == logging.WARNING]
    assert warnings[0][0] == pytest.approx(0.05)
    assert warnings[0][1].startswith("request 0 a->b dropped (") and "of 100 pairs" in warnings[0][1]
    assert any("NOT ENTANGLED" in text for _, text in warnings)


def test_records_are_time_ordered_across_requests(records):
    net = qnsim.Network(seed=2)
    for n in "abc":
        net.add_node(n)
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=100.0)
    net.add_link("b", "c", length_km=1.0, fidelity=0.95, rate_hz=100.0)
    net.request("b", "c", num_pairs=4, start_s=0.01)
    net.request("a", "b", num_pairs=2)
    net.run(0.5)
    times = [r.sim_time_s for r in records]
    assert times == sorted(times)


def test_off_means_nothing_is_gathered(monkeypatch, records):
    # Off (the logger above INFO), the run's only logging cost is one level check: run_watch
    # gathers no request statistics and run_report returns at once.
    import qnsim.network

    watched = []
    original = qnsim.network.run_watch

    def spy(net, until_ps):
        watched.append(original(net, until_ps))
        return watched[-1]

    monkeypatch.setattr(qnsim.network, "run_watch", spy)
    logging.getLogger("qnsim").setLevel(logging.WARNING)
    _net(num_pairs=2).run(0.1)
    assert watched == [None] and records == []
    logging.getLogger("qnsim").setLevel(logging.INFO)
    _net(num_pairs=2).run(0.1)
    assert watched[1] == {0: (-1, "pending")} and records


def test_filter_and_formatter_for_any_handler():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SimTimeFilter())
    handler.setFormatter(logging.Formatter("%(sim_time_s)s|%(sim_time)s|%(message)s"))
    log = logging.getLogger("qnsim.test")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        log.info("outside a run")
        log.info("inside", extra={"sim_time_s": 2.5e-6})
    finally:
        log.removeHandler(handler)
        log.setLevel(logging.NOTSET)
    assert stream.getvalue().splitlines() == ["None|-|outside a run", "2.5e-06|t=2.5 us|inside"]
    record = logging.makeLogRecord({"msg": "m", "name": "qnsim.x", "levelname": "WARNING"})
    assert SimTimeFormatter().format(record) == "-              WARNING qnsim.x: m"


def test_log_to_stderr_installs_once():
    stream = io.StringIO()
    logger = logging.getLogger("qnsim")
    before = list(logger.handlers)
    qnsim.log_to_stderr("INFO", stream=stream)
    handler = qnsim.log_to_stderr(logging.DEBUG, stream=stream)
    try:
        assert len(logger.handlers) == len(before) + 1 and logger.level == logging.DEBUG
        _net(num_pairs=1).run(0.05)
        assert "t=10 ms" in stream.getvalue() and "served: 1 of 1 pairs" in stream.getvalue()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        qnsim.log_to_stderr("LOUD")


def test_sweep_progress_is_logged(records):
    from qnsim.sweeps import example_point, sweep

    sweep(example_point, {"length_km": [5.0, 10.0]}, workers=1, progress=False, as_frame=False)
    messages = [r.getMessage() for r in records if r.name == "qnsim.sweep"]
    assert messages[0].startswith("sweep of 2 points (0 already in None) on local")
    assert messages[1:3] == ["point 1/2 done: length_km=5.0 seed 0", "point 2/2 done: length_km=10.0 seed 0"]
    assert messages[3].startswith("sweep done: 2 points, 2 run now, in ")


def test_qnsim_run_log_option(tmp_path, capsys):
    path = tmp_path / "s.toml"
    _net(num_pairs=2, name="up").to_toml(path, until_s=0.1)
    assert cli_main(["run", str(path), "--log", "info"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("t=0 s") and "run from 0 s to 100 ms" in err[0]
    assert any(line.startswith("t=20 ms") and "request 0 up served" in line for line in err)
    assert cli_main(["run", str(path), "--log", "loud"]) == 2
    assert "unknown log level 'loud'" in capsys.readouterr().err
    # The command leaves logging as it found it.
    assert not [h for h in logging.getLogger("qnsim").handlers if getattr(h, "_qnsim_stderr", False)]
    with stderr_logging(None):
        pass


def test_qnsim_sweep_log_option(tmp_path, capsys):
    path = tmp_path / "s.toml"
    _net(num_pairs=2, name="up").to_toml(path, until_s=0.1)
    assert cli_main(["sweep", str(path), "--param", "nodes.a.t2_s=1.0,2.0", "--workers", "1", "--no-progress",
                     "--log", "info"]) == 0
    err = capsys.readouterr().err
    # Without --seeds the sweep runs the file's own seed (the network's 3), as `qnsim run` of the file does.
    assert "qnsim.sweep: point 2/2 done: nodes.a.t2_s=2.0 seed 3" in err
    assert "qnsim.network" not in err  # each point's run records only from DEBUG on
    assert logging.getLogger("qnsim.network").level == logging.NOTSET


@pytest.mark.parametrize("level", [-1, 51, 10**30])
def test_log_to_stderr_refuses_a_level_number_that_prints_nothing(level):
    """A level number above CRITICAL (50) installed a handler that never printed anything, without
    a word, and a negative one was taken as "everything"; both are refused, naming the number."""
    before = list(logging.getLogger("qnsim").handlers)
    with pytest.raises(ValueError, match=rf"between 0 \(every record\) and 50 \(CRITICAL\), got {level}"):
        qnsim.log_to_stderr(level, stream=io.StringIO())
    assert logging.getLogger("qnsim").handlers == before  # nothing installed


@pytest.mark.parametrize("level", [0, logging.DEBUG, 25, logging.CRITICAL])
def test_log_to_stderr_takes_any_level_number_up_to_critical(level):
    handler = qnsim.log_to_stderr(level, stream=io.StringIO())
    try:
        assert handler.level == level or logging.getLogger("qnsim").level == level
    finally:
        logging.getLogger("qnsim").removeHandler(handler)
        logging.getLogger("qnsim").setLevel(logging.NOTSET)
