"""Bad input, round 24: a native range is refused in the core's words whichever side of its type the value falls
(one declaration, its note included); trace_queue states its counts' real range; a bound of 2**31 - 1 or more is
written as a power (2**128 - 1), in Python as the core writes its types' extremes; a spec field takes an open upper
end (``exclusive_maximum``), stated whole for every value outside, ints and long float lists included; and the
older tests pin the ranges they name, not "any lower bound"."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from refusals import refused_each

import qnsim
from qnsim import _core
from qnsim.argument_checks import check_bounds, integer, real_numbers


def _network():
    network = _core.NativeNetwork("bell_diagonal", 1)
    network.add_node(_core.NodeParams(name="a"))
    network.add_node(_core.NodeParams(name="b"))
    network.add_link(_core.LinkParams(node_a=0, node_b=1))
    network.add_request(_core.RequestParams(path=[0, 1]))
    return network


def test_a_native_range_is_refused_in_one_wording_either_side_of_its_type():
    """Old behaviour: `NativeNetwork.run_seeds(seeds, t, threads=-1)` (and 2**32) was refused by the binding as
    "NativeNetwork.run_seeds(): threads must be in [0, 4096], got -1" (a ValueError), 4097 by the core as "threads
    must be in [0, 4096] (0: every core), got 4097" (a ParameterError); `max_records` and `set_trace` of 2**64 lost
    their "(None: 10^6, the default)" and "(0: off)", a record's setter (`LinkParams.channels = -1`) said
    "LinkParams.channels must be ..." where validate() says "channels must be ...". Now one ParameterError, the
    declared range with its note, for every value outside."""
    network = _network()
    refused_each(lambda bad: network.run_seeds([1], 10, bad), (-1, 4097, 2**32, 2**64, -(2**63) - 1),
                 qnsim.ParameterError, "threads must be in [0, 4096] (0: every core), got {bad}")  # fmt: skip
    for set_limit, words in ((lambda v: setattr(network, "max_records", v), "max_records must be in "
                              f"{_core.RECORD_LIMIT_RANGE} (None: 10^6, the default), got {{bad}}"),
                             (network.set_trace, f"limit must be in {_core.RECORD_LIMIT_RANGE} (0: off), got {{bad}}")):
        refused_each(set_limit, (-1, 10**8 + 1, 2**64, -(2**63) - 1), qnsim.ParameterError, words)  # fmt: skip

    def channels(bad):
        record = _core.LinkParams()
        record.channels = bad
        record.validate()

    refused_each(channels, (-1, 0, 2**20 + 1, 2**32, 2**64), qnsim.ParameterError,
                 "channels must be in [1, 1048576], got {bad}")  # fmt: skip

    def num_pairs(bad):
        record = _core.RequestParams(path=[0, 1])
        record.num_pairs = bad
        record.validate()

    refused_each(num_pairs, (-1, 0, 2**64), qnsim.ParameterError,
                 "num_pairs must be in [1, 2**64 - 1] (None: until the run ends), got {bad}")  # fmt: skip


def test_trace_queue_states_its_counts_real_range():
    """Old behaviour: `_core.trace_queue(times, pairs=-1, ...)` was told "trace_queue(): pairs must be in [0, 2**32 -
    1]" (the type's range: 0 is no count of pairs either) and 0 "pairs per round must be >= 1, got 0"; a buffer of
    -1 "[0, 2**32 - 1]" and 0 "buffer 0 is below the 1 pairs a round takes". Now [1, 2**32 - 1] on either side."""
    times = np.linspace(0.0, 1e-3, 11)
    refused_each(lambda bad: _core.trace_queue(times, bad, 8, 1e-4, 0.0, 1.0), (-1, 0, 2**32, 2**64),
                 qnsim.ParameterError,
                 "pairs must be in [1, 2**32 - 1] (pairs per round), got {bad}")  # fmt: skip
    refused_each(lambda bad: _core.trace_queue(times, 1, bad, 1e-4, 0.0, 1.0), (-1, 0, 2**32), qnsim.ParameterError,
                 "buffer must be in [1, 2**32 - 1] (memories, at least pairs), got {bad}")  # fmt: skip
    refused_each(lambda bad: _core.trace_queue(times, 4, bad, 1e-4, 0.0, 1.0), (2, 3), qnsim.ParameterError,
                 "buffer must be >= pairs (4: a round takes them at once), got {bad}")  # fmt: skip
    waits, stored = _core.trace_queue(times, 1, 1, 1e-4, 0.0, 1.0)  # the least of each is taken
    assert len(stored) == len(waits) > 0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: integer("n", -1, minimum=0, maximum=2**128 - 1), "n must be in [0, 2**128 - 1], got -1"),
    (lambda: integer("n", 2**63, minimum=-(2**63), maximum=2**63 - 1), f"n must be in [-2**63, 2**63 - 1],"
     f" got {2**63}"),
    (lambda: integer("n", 2**53 + 1, minimum=0, maximum=2**53), f"n must be in [0, 2**53], got {2**53 + 1}"),
    (lambda: integer("n", 0, minimum=1, maximum=10**12), "n must be in [1, 10**12], got 0"),
    (lambda: integer("n", 0, minimum=1, maximum=2**64 - 16), "n must be in [1, 2**64 - 16], got 0"),
    (lambda: integer("n", 0, minimum=1, maximum=43_980_465_111), "n must be in [1, 43980465111], got 0"),
    (lambda: integer("n", 0, minimum=1, maximum=2**24), "n must be in [1, 16777216], got 0"),
])  # fmt: skip
def test_a_large_bound_is_written_as_a_power(call, message):
    """Old behaviour: `estimate`'s counts ("num_qubits must be in [0, 340282366920938463463374607431768211455], got
    -1"), a layout's coordinates ("[..., 9007199254740992]"), a QEC estimate's errors ("9223372036854775807") were
    stated in full, beside the core's "2**64 - 1" for the same kind of bound. Now a bound of 2**31 - 1 or more that
    is a power (of two within 2**20, or of ten) is written as one; others stay digits."""
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


def test_python_and_the_core_write_a_bound_alike():
    """The core writes its types' extremes as powers (`[0, 2**63 - 1]`, `[-2**31, 2**31 - 1]`, `[1, 2**64 - 1]`):
    each bound read from a native refusal or declaration is written the same way by the Python rule, so a Python
    check and a native one with the same bound state one range; the scenario file's run.seed and the links file's
    seed are documented as one range (`[0, 2^64 - 1]` beside `[0, 2**64 - 1]` before)."""
    from qnsim import specs
    from qnsim.argument_checks import bound_text
    from qnsim.estimate_cli import LINKS_FILE_KEYS
    from qnsim.scenario import RunSettings

    texts = [_core.RequestParams.ranges["num_pairs"], _core.THREADS_RANGE, _core.RECORD_LIMIT_RANGE]
    for call in (lambda: _core.Scheduler().schedule(0, print, (), 2**31),
                 lambda: _core.Scheduler().schedule(2**64, print, ())):  # fmt: skip
        with pytest.raises(ValueError) as info:
            call()
        texts.append(re.search(r"\[[^\]]+\]", str(info.value)).group(0))
    assert "[-2**31, 2**31 - 1]" in texts and "[0, 2**63 - 1]" in texts, texts
    for text in texts:
        low, high = (eval(b, {"__builtins__": {}}) for b in text[1:-1].split(", "))  # "2**64 - 1"
        assert f"[{bound_text(low)}, {bound_text(high)}]" == text
    seed = next(f for f in specs.spec_fields(RunSettings) if f.name == "seed")
    assert seed.range == specs.SEED_RANGE == next(k.range for k in LINKS_FILE_KEYS if k.name == "seed")


def test_a_spec_field_takes_an_open_upper_end():
    """Old behaviour: `specs.param()` had no `exclusive_maximum` (the links file's keys had it since round 23), so
    a spec field with an open end (a share below 1) needed a check of its own; and the integer path checked the
    closed range first, so an int field with an open end would have told 11 "[1, 10]" and 10 "[1, 10)". Now one
    range, stated whole for every value outside, documented as checked."""
    from qnsim import specs

    @dataclasses.dataclass(frozen=True)
    class _OpenEnded(specs.Spec):
        share: float = specs.param(0.5, minimum=0.0, maximum=1.0, exclusive_minimum=True, exclusive_maximum=True)
        slots: int = specs.param(1, minimum=1, maximum=10, exclusive_maximum=True)

    assert {f.name: f.range for f in specs.spec_fields(_OpenEnded)} == {"share": "(0, 1)", "slots": "[1, 10)"}
    refused_each(lambda bad: _OpenEnded(share=bad), (0.0, 1.0, 1.5, -1.0), qnsim.ParameterError,
                 "share must be in (0, 1), got {bad}")  # fmt: skip
    refused_each(lambda bad: _OpenEnded(slots=bad), (0, 10, 11, 2**64), qnsim.ParameterError,
                 "slots must be in [1, 10), got {bad}")  # fmt: skip
    assert _OpenEnded(share=np.float64(0.999), slots=np.int64(9)) == _OpenEnded(share=0.999, slots=9)
    with pytest.raises(ValueError, match=r"^n must be in \[1, 10\), got 11$"):
        integer("n", 11, minimum=1, maximum=10, exclusive_maximum=True)
    with pytest.raises(ValueError, match=r"^n must be in \(0, 10\], got -1$"):
        integer("n", -1, minimum=0, maximum=10, exclusive_minimum=True)


def test_a_long_list_of_floats_refuses_an_open_upper_end():
    """Old behaviour: `real_numbers` checked a list of more than 64 floats at once with `v <= maximum` whatever
    `exclusive_maximum` said, so 65 values ending in the open end itself were taken, where 64 were refused."""
    for count in (3, 65, 200):
        values = [0.5] * (count - 1) + [1.0]
        with pytest.raises(ValueError, match=rf"^p\[{count - 1}\] must be in \[0, 1\), got 1\.0$"):
            real_numbers("p", values, minimum=0.0, maximum=1.0, exclusive_maximum=True)
        assert real_numbers("p", values[:-1], minimum=0.0, maximum=1.0, exclusive_maximum=True) == tuple(values[:-1])
    with pytest.raises(ValueError, match=r"^x must be in \[0, 1\), got 1$"):
        check_bounds("x", 1.0, 1, 0.0, 1.0, exclusive_maximum=True)


# The loose bound patterns the older tests used after round 23: "in [<any number>, 64]", "in [0, <anything>]".
_LOOSE = (r"-?[0-9][0-9.e+]*", r"[^\]]+\]", r"\[1, \d+\]")


def test_no_test_pins_a_range_with_any_bound():
    """Old behaviour: 18 pins read `must be in \\[-?[0-9][0-9.e+]*, 64\\]` (any lower bound) and 7 `\\[0, [^\\]]+\\]`
    (any upper bound), so a refusal stating the wrong range passed them (round 23 re-pinned the half-range refusals
    so). Each now states the range its refusal states."""
    found = []
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "must be in" in line and any(pattern in line for pattern in _LOOSE):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_a_second_link_between_two_qpus_is_located(tmp_path):
    """Old behaviour: a links file with `qpus = [0, 1]` and then `qpus = [1, 0]` loaded, and the estimate refused it
    as "two links between QPUs (0, 1); give one link per QPU pair", naming neither the file nor either table (nor,
    for `estimate(links=[...])`, either entry of the list). Now the file's second table is named with the first, and
    the Python API names both entries."""
    from qnsim.config import ConfigError
    from qnsim.estimate import QPU, Link, estimate
    from qnsim.estimate_cli import load_network

    link = "[[link]]\nqpus = {}\nrate_hz = 1e4\nfidelity = 0.99\n"
    path = tmp_path / "links.toml"
    path.write_text("[[qpu]]\ncount = 3\nnum_qubits = 10\n" + link.format("[0, 1]") + link.format("[1, 2]")
                    + link.format("[1, 0]"))  # fmt: skip
    with pytest.raises(ConfigError, match=r"^links\.toml: link\[2\]\.qpus joins QPUs \(0, 1\), as link\[0\] does: "
                                          r"give one link per QPU pair$"):  # fmt: skip
        load_network(str(path))
    path.write_text("[[qpu]]\ncount = 3\nnum_qubits = 10\n" + link.format('"all"') + link.format("[2, 1]"))
    with pytest.raises(ConfigError, match=r"link\[1\]\.qpus joins QPUs \(1, 2\), as link\[0\] does"):
        load_network(str(path))
    links = [Link((0, 1), 1e4, 0.99), Link((1, 2), 1e4, 0.99), Link((1, 0), 1e4, 0.99)]
    with pytest.raises(ValueError, match=r"^links\[2\] \(qpus \(1, 0\)\) joins QPUs \(0, 1\), as links\[0\] does; "):
        estimate("CX 0 1", [QPU(num_qubits=2)] * 3, links=links)


def test_a_surface_code_threshold_of_one_is_refused_as_a_plain_float():
    """Old behaviour (since round 23 replaced the hand-written "< 1" checks with `exclusive_maximum`):
    `SurfaceCode(error_threshold=1.0)` and `interface_threshold=1.0` were taken, because `real_number`'s path for a
    plain finite float did not pass `exclusive_maximum` on, while the int 1 was refused; a threshold of 1 calls
    every p below threshold and prices any code as working. And 0.0 was told "(0, 1]". Now (0, 1) for each."""
    from qnsim.estimate import SurfaceCode

    for name in ("error_threshold", "interface_threshold"):
        refused_each(lambda bad: SurfaceCode(**{name: bad}), (1.0, 1, np.float64(1.0), 0.0, 1.5), ValueError,
                     f"{name} must be in (0, 1), got {{bad}}")  # fmt: skip
        assert getattr(SurfaceCode(**{name: 0.5}), name) == 0.5


@pytest.mark.parametrize(("key", "values", "words"), [
    ("num_pairs", (-1, 0, 2**64), "num_pairs must be in [1, 2**64 - 1] (None: until the run ends)"),
    ("memories_per_link", (-1, 0, 2**20 + 1, 2**64), "memories_per_link must be in [1, 1048576]"),
])  # fmt: skip
def test_a_request_count_in_a_scenario_is_refused_in_one_wording(key, values, words, tmp_path, capsys):
    """Old behaviour: a scenario's `num_pairs = 0` was told "... (None: until the run ends), got 0" (the core) and
    18446744073709551616 or -1 the same range without the note (the spec); `memories_per_link = 0` was told
    "request 'a' -> 'b': memories_per_link must be >= 1, got 0" (the router's own half range) where 2**64 was told
    "[1, 1048576]". Now the declared range, with its note, for every value outside."""
    from scenarios import two_node_scenario

    from qnsim import cli

    path = tmp_path / "s.toml"
    base = two_node_scenario(0.0005, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4)
    for bad in values:
        path.write_text(f"{base}{key} = {bad}\n")
        assert cli.main(["run", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.endswith(f"s.toml: requests[0].{words}, got {bad}"), err
