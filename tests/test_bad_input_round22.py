"""Bad input, round 22: every seed, from every entry point (Python, a command-line option, a TOML file, scenario data
as JSON gives it), is read by the one seed spec (``qnsim.specs.check_seed``), which states the narrower range and why
where an entry point uses fewer seeds; a limit that depends on state (a network's nodes, slots and requests, a chain's
count, a batch's threads, a read's chunk) is refused stating the range that applies; a command-line value is refused
as typed."""

from __future__ import annotations

import json
import re

import pytest
from refusals import refused_each
from scenarios import two_node_scenario

import qnsim
from qnsim import _core

LARGEST = 2**64 - 1
SPEC_RANGE = r"must be in \[0, 2\*\*64 - 1\], got "


def _scenario(tmp_path, extra: str = "") -> str:
    path = tmp_path / "s.toml"
    path.write_text(two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4) + extra)
    return str(path)


def _links_file(tmp_path, estimate: str = "", link: str = "") -> str:
    path = tmp_path / "links.toml"
    path.write_text(f"[[qpu]]\ncount = 2\nnum_qubits = 10\n[[link]]\nqpus = [0, 1]\nrate_hz = 1e4\nfidelity = 0.99\n"
                    f"{link}\n[estimate]\n{estimate}\n")  # fmt: skip
    (tmp_path / "c.stim").write_text("CX 0 1\n")
    return str(path)


def _cli(argv, capsys) -> tuple[int, str]:
    from qnsim import cli

    code = cli.main([str(a) for a in argv])
    return code, capsys.readouterr().err.strip()


# Seeds from files and command lines: (label, a runner given the seed's text as written in the file or typed, the
# name the refusal gives the seed). Every one states the spec's range in the spec's words.
def _links_estimate_seed(tmp_path, capsys, seed):
    return _cli(["estimate", tmp_path / "c.stim", "--links", _links_file(tmp_path, estimate=f"seed = {seed}")], capsys)


def _links_link_seed(tmp_path, capsys, seed):
    scenario = _scenario(tmp_path)
    link = f'scenario = "{scenario}"\nseed = {seed}\n'
    path = tmp_path / "links.toml"
    path.write_text(f"[[qpu]]\ncount = 2\nnum_qubits = 10\n[[link]]\nqpus = [0, 1]\n{link}")
    (tmp_path / "c.stim").write_text("CX 0 1\n")
    return _cli(["estimate", tmp_path / "c.stim", "--links", path], capsys)


def _scenario_run_seed(tmp_path, capsys, seed):
    return _cli(["run", _scenario_with_seed(tmp_path, seed)], capsys)


def _scenario_with_seed(tmp_path, seed) -> str:
    text = two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4)
    text = re.sub(r"\[run\]\n", f"[run]\nseed = {seed}\n", text, count=1)
    assert f"seed = {seed}" in text
    path = tmp_path / "seeded.toml"
    path.write_text(text)
    return str(path)


def _run_option(tmp_path, capsys, seed):
    return _cli(["run", _scenario(tmp_path), "--seed", seed], capsys)


def _sweep_option(tmp_path, capsys, seed):
    return _cli(["sweep", _scenario(tmp_path), "--seeds", f"3,{seed}", "--out", tmp_path / "rows.csv",
                 "--no-progress"], capsys)  # fmt: skip


def _qec_sweep_file(tmp_path, capsys, seed):
    path = tmp_path / "qec.toml"
    path.write_text(f"[sampling]\nseeds = [{seed}]\nmax_shots = 10\n")
    return _cli(["qec", "sweep", path, "--out", tmp_path / "rows.csv"], capsys)


def _qec_sweep_option(tmp_path, capsys, seed):
    path = tmp_path / "qec.toml"
    path.write_text("[sampling]\nmax_shots = 10\n")
    return _cli(["qec", "sweep", path, "--seeds", f"3,{seed}", "--out", tmp_path / "rows.csv"], capsys)


def _json_scenario(tmp_path, capsys, seed):
    from qnsim.scenario import scenario_from_dict
    from qnsim.sweeps import TomlScenario

    text = json.dumps(TomlScenario(_scenario(tmp_path)).data)
    data = json.loads(text.replace('"run": {', f'"run": {{"seed": {seed}, '))
    assert data["run"]["seed"] == int(seed)
    try:
        scenario_from_dict(data)
    except ValueError as exc:
        return 2, str(exc)
    return 0, ""


def _qec_topup_option(tmp_path, capsys, seed):
    return _cli(["qec", "topup", "--out", tmp_path / "top", "--seed", seed, "--max-errors", "1", "--max-shots", "1"],
                capsys)


FILE_AND_OPTION_SEEDS = {
    "links file [estimate] seed": (_links_estimate_seed, "estimate.seed"),
    "links file [[link]] seed": (_links_link_seed, "link[0].seed"),
    "scenario run.seed": (_scenario_run_seed, "run.seed"),
    "qnsim run --seed": (_run_option, "--seed"),
    "qnsim sweep --seeds": (_sweep_option, "seeds[1]"),
    "qnsim qec sweep [sampling] seeds": (_qec_sweep_file, "seeds[0]"),
    "qnsim qec sweep --seeds": (_qec_sweep_option, "seeds[1]"),
    "qnsim qec topup --seed": (_qec_topup_option, "--seed"),
    "scenario data (JSON) run.seed": (_json_scenario, "run.seed"),
}


@pytest.mark.parametrize("entry", sorted(FILE_AND_OPTION_SEEDS))
def test_a_seed_from_a_file_or_an_option_is_read_by_the_seed_spec(entry, tmp_path, capsys):
    """Old behaviour: a links file's `[estimate] seed = -1` was told "estimate.seed must be >= 0, got -1" and
    2**64 "must be <= 18446744073709551615" (the estimator's own bounds, beside `check_seed`'s "must be in [0, 2**64 -
    1], got X" everywhere else); a links file's `[[link]] seed = -1` was refused by the calibration as "s.toml: run:
    seed ... (the value given to override the file's run.seed)", naming the scenario, not the links file, and 2**64
    as "link[0].seed is beyond a 64-bit integer"; a scenario file's `run.seed = -1` was told "run.seed must be >= 0"
    (TOML tables dropped the field's reader, the seed spec)."""
    run, name = FILE_AND_OPTION_SEEDS[entry]
    for bad in ("-1", str(2**64)):
        code, err = run(tmp_path, capsys, bad)
        assert code == 2, (entry, bad, err)
        assert re.search(re.escape(name) + " " + SPEC_RANGE + re.escape(bad) + r"($|\W)", err), (entry, err)
        assert "\n" not in err and "Traceback" not in err


# Seeds of a QEC link: its probes run seeds seed .. seed + probes - 1, each a 64-bit seed.
def _measure_link(tmp_path, seed, probes):
    from qnsim import qec

    return qec.measure_link(_scenario(tmp_path), 0, probes=probes, seed=seed)


def _link_supply(tmp_path, seed, probes):
    from qnsim.qec import LinkSupply

    return LinkSupply(1e3, 0.95, (0.95, 0.02, 0.02, 0.01), (0.01,) * 4, 1000, probes, 1e-3, 1e-3, 1e-3, 1e-3, "demo",
                      seed=seed)  # fmt: skip


def _experiment_link(tmp_path, seed, probes):
    from qnsim.qec.sweep import ExperimentSpec

    link = {"scenario": _scenario(tmp_path), "probes": probes, "seed": seed}
    return ExperimentSpec.from_dict({"experiment": {"scheme": "teleported"}, "link": link})


def _read_probe_seed(tmp_path, seed, probes):
    from qnsim.qec.link import read_probe_seed

    return read_probe_seed(seed, probes)


def _qec_link_option(tmp_path, seed, probes):
    from qnsim import cli

    code = cli.main(["qec", "link", _scenario(tmp_path), "--probes", str(probes), "--seed", str(seed)])
    if code == 2:
        raise ValueError("refused")  # the message is read from stderr by the test
    return code


NARROW = {
    "qnsim.qec.link.measure_link": (_measure_link, "seed"),
    "qnsim.qec.link.LinkSupply.__init__": (_link_supply, "LinkSupply.seed"),
    "qnsim.qec.link.read_probe_seed": (_read_probe_seed, "seed"),
    "qnsim.qec.sweep.ExperimentSpec [link] seed": (_experiment_link, "[link]: seed"),
    "qnsim qec link --seed": (_qec_link_option, "--seed"),
}


@pytest.mark.parametrize("entry", sorted(NARROW))
def test_a_qec_link_seed_states_its_narrower_range_and_why(entry, tmp_path, capsys):
    """Old behaviour: a QEC link's seed (measure_link, LinkSupply, read_probe_seed, an experiment file's [link] seed,
    `qnsim qec link --seed`) was told "seed must be >= 0, got -1" for -1 and "seed 2**64 - 1 with probes=16: ... give
    seed <= 18446744073709551600" past its bound, in words no other seed used; `qnsim qec link --seed
    18446744073709551615` named no option, and --seed -1 was told [0, 2**64 - 1], a range the command does not
    take. Now the seed spec's words, with the narrower range [0, 2**64 - probes] and why."""
    run, name = NARROW[entry]
    probes = 4
    for bad in (-1, 2**64 - probes + 1, 2**64):
        with pytest.raises(ValueError) as info:
            run(tmp_path, bad, probes)
        message = str(info.value) if entry != "qnsim qec link --seed" else capsys.readouterr().err.strip()
        expected = (f"{name} must be in [0, 2**64 - {probes}], got {bad} (with probes={probes} the probes run seeds "
                    f"seed .. seed + {probes - 1}, each a 64-bit seed)")  # fmt: skip
        assert message.endswith(expected), (entry, message)
    if entry != "qnsim qec link --seed":  # the highest seed it takes is taken (the command would then run probes)
        for bad in (True, 1.5, "3"):
            with pytest.raises(ValueError, match=re.escape(f"{name} must be an integer, got ")):
                run(tmp_path, bad, probes)


def test_the_walk_of_seed_entry_points_covers_the_narrow_ones_and_the_files_keys():
    """The walk of determinism round 2 (every public function taking a seed) left the QEC link's three entry points
    out as "their own bound"; they are walked here, and a seed key of a links file or a seed option of a command not
    walked fails."""
    import test_determinism_audit2 as walk

    from qnsim.estimate_cli import LINKS_FILE_KEYS

    narrow = {entry for entry in NARROW if entry.startswith("qnsim.qec.link.")}
    assert narrow <= walk._public_seed_entry_points()
    assert not narrow & walk.NOT_WALKED
    assert narrow == set(walk.NARROW_SEED_ENTRY_POINTS)
    file_keys = {f"links file [{'[link]' if k.table == 'link' else k.table}] {k.name}" for k in LINKS_FILE_KEYS
                 if "seed" in k.name}  # fmt: skip
    assert file_keys == {"links file [estimate] seed", "links file [[link]] seed"}
    assert file_keys <= set(FILE_AND_OPTION_SEEDS)
    from test_bad_input_round21 import _numeric_options

    seed_options = {f"qnsim {command} {option}" for command, option in _numeric_options() if "seed" in option}
    seed_options |= {"qnsim sweep --seeds", "qnsim qec sweep --seeds"}  # text options: counts or lists
    assert seed_options <= set(FILE_AND_OPTION_SEEDS) | set(NARROW), seed_options


@pytest.mark.parametrize("command", [["run"], ["sweep", "--no-progress", "--out", "{d}/rows.csv"]],
                         ids=["run", "sweep"])  # fmt: skip
def test_a_run_setting_option_is_refused_as_typed(command, tmp_path, capsys):
    """Old behaviour: `qnsim run s.toml --until -1` (and `qnsim sweep`) said "--until must be >= 0 s, got -1.0", a
    value never typed (`--until -1e0` the same); now the text typed, as every other option's refusal gives it."""
    scenario = _scenario(tmp_path)
    for typed in ("-1", "-1e0", "-0.50"):
        argv = [command[0], scenario] + [a.format(d=tmp_path) for a in command[1:]] + ["--until", typed]
        code, err = _cli(argv, capsys)
        assert code == 2 and err.endswith(f"--until must be in [0, 9.22337e+06] s, got {typed}"), err
    # The same check from Python names the value as Python shows it (nothing was typed).
    from qnsim.cli import spec_option
    from qnsim.scenario import RunSettings

    with pytest.raises(qnsim.ParameterError, match=r"^--until must be in \[0, 9\.22337e\+06\] s, got -2\.0$"):
        spec_option("--until", RunSettings, "until_s", -2.0)


# Limits that depend on state: an index into what a network has now, a chain's count, a registry's group size.
def _network():
    """A network with 3 nodes, 2 links, 2 requests and their memory slots (bell_diagonal, built, not run)."""
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.add_link("b", "c", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "c")
    net.request("a", "b")
    return net.native


_THINGS = {"node": ("num_nodes", "nodes"), "slot": ("num_slots", "memory slots"),
           "request": ("num_requests", "requests")}  # fmt: skip

# (method, parameter) -> (what it indexes, a call with the index under test and valid others)
INDEXED = {
    ("swap_slots", "node"): ("node", lambda n, v: n.swap_slots(v, 0, 1)),
    ("swap_slots", "slot_a"): ("slot", lambda n, v: n.swap_slots(0, v, 1)),
    ("swap_slots", "slot_b"): ("slot", lambda n, v: n.swap_slots(0, 0, v)),
    ("deliver_slots", "request"): ("request", lambda n, v: n.deliver_slots(v, 0, 1)),
    ("deliver_slots", "slot_src"): ("slot", lambda n, v: n.deliver_slots(0, v, 1)),
    ("deliver_slots", "slot_dst"): ("slot", lambda n, v: n.deliver_slots(0, 0, v)),
    ("deliver_end_slot", "request"): ("request", lambda n, v: n.deliver_end_slot(v, 0)),
    ("deliver_end_slot", "slot"): ("slot", lambda n, v: n.deliver_end_slot(0, v)),
    ("discard_slot_pair", "slot"): ("slot", lambda n, v: n.discard_slot_pair(v)),
    ("send_message", "from_node"): ("node", lambda n, v: n.send_message(v, 0, 1)),
    ("send_message", "to_node"): ("node", lambda n, v: n.send_message(0, v, 1)),
    ("schedule_timer", "node"): ("node", lambda n, v: n.schedule_timer(0, v, 1)),
    ("classical_latency", "a"): ("node", lambda n, v: n.classical_latency(v, 0)),
    ("classical_latency", "b"): ("node", lambda n, v: n.classical_latency(0, v)),
    ("request_stats", "request"): ("request", lambda n, v: n.request_stats(v)),
    ("delivered", "request"): ("request", lambda n, v: n.delivered(v)),
    **{(name, "slot"): ("slot", lambda n, v, name=name: getattr(n, name)(v))
       for name in ("slot_node", "slot_partner", "slot_link", "slot_qubit", "slot_emission_ps", "slot_generation",
                    "slot_pair_fidelity")},
}  # fmt: skip


def test_the_index_walk_covers_every_index_parameter_of_the_native_network():
    """Every parameter of NativeNetwork named as a node, slot or request index is walked below (a new one fails)."""
    import test_bad_input_round20 as round20

    found = set()
    for name in vars(_core.NativeNetwork):
        method = getattr(_core.NativeNetwork, name)
        if name.startswith("_") or not callable(method):
            continue
        for parameter, annotation, *_ in round20._parameters(method):
            indexed = re.fullmatch(r"node|from_node|to_node|a|b|request|slot|slot_\w+", parameter)
            if indexed and round20.INTEGER.match(annotation):
                found.add((name, parameter))
    assert found == set(INDEXED), found ^ set(INDEXED)


@pytest.mark.parametrize("case", sorted(INDEXED), ids=[".".join(c) for c in sorted(INDEXED)])
def test_an_index_is_refused_stating_the_entries_the_network_has(case):
    """Old behaviour: `swap_slots(0, 0, -1)` was told "slot_b must be in [0, 2**32 - 1]", a range no network has,
    where slot 70 got "memory slot 70 does not exist (12 slots)"; `request_stats(-1)` "[0, 2**32 - 1]" and 5 "request
    5 does not exist (2 requests)"; `slot_emission_ps(2**32)` "[0, 2**32 - 1]"; `swap_slots(99, s, t)` with slots
    of another node read std::vector's "vector::_M_range_check: __n (which is 99) >= this->size() (which is 3)". Now
    one message for every value outside, whichever side and however far, stating the entries there are."""
    native = _network()
    kind, call = INDEXED[case]
    count_name, things = _THINGS[kind]
    count = getattr(native, count_name)
    assert count >= 2
    name = case[1]
    for bad in (-1, count, count + 5, 2**32, 2**64, -(2**63) - 1):
        with pytest.raises(IndexError) as info:
            call(native, bad)
        assert str(info.value) == f"{name} {bad} is out of range: the network has {count} {things} [0, {count - 1}]"
    if name == next(p for m, p in INDEXED if m == case[0]):  # the first index checked: an empty network names it
        empty = _core.NativeNetwork("bell_diagonal", 1)
        with pytest.raises(IndexError, match=rf"^{name} 0 is out of range: the network has no {things}$"):
            call(empty, 0)
    with pytest.raises(TypeError, match=rf"\(\): {name} must be an integer, got 1\.0$"):
        call(native, 1.0)


def test_a_chain_count_is_refused_stating_the_counts_that_fit():
    """Old behaviour: `add_chain(node, link, 1)` was told "count must be >= 2 nodes for a chain", -1 and 2**32
    "count must be in [0, 2**32 - 1]" (the type's) and 4,000,000,000 with 16 channels "= 4000000000 with 16 channels
    per link would take the network past 33554432 memory slots": three messages, none stating what fits."""
    native = _core.NativeNetwork("bell_diagonal", 1)
    node, link = _core.NodeParams(name="x"), _core.LinkParams(channels=16)
    refusals = set()
    for bad in (-1, 0, 1, 1_048_578, 4_000_000_000, 2**32, 2**64):
        with pytest.raises(qnsim.ParameterError) as info:
            native.add_chain(node, link, bad)
        message = str(info.value)
        assert message.endswith(f", got {bad}"), message
        assert message.startswith("count must be in [2, 1048577] (nodes; "), message
        refusals.add(message.removesuffix(f", got {bad}"))
    assert len(refusals) == 1, refusals
    assert native.add_chain(node, _core.LinkParams(channels=16), 3) == 0
    with pytest.raises(qnsim.ParameterError, match=r"^count must be in \[2, 1048575\] .* 33554368 of the network's "
                                                   r"33554432 are left\), got 1048576$"):  # fmt: skip
        native.add_chain(_core.NodeParams(name="y"), link, 1_048_576)


@pytest.mark.parametrize(("formalism", "most", "usual"), [("density_matrix", 14, 10), ("stabilizer", None, None)])
def test_a_registry_s_group_size_is_refused_stating_its_formalism_s_range(formalism, most, usual):
    """Old behaviour: `QubitRegistry("density_matrix", max_group_qubits=-1)` was told "[0, 2**32 - 1]" (the type's)
    and 15 "max_group_qubits 15 exceeds the density_matrix limit of 14": the formalism's range, stated for neither."""
    refusals = set()
    for bad in (-1, 10**6, 2**32, 2**64):
        with pytest.raises(qnsim.ParameterError) as info:
            qnsim.QubitRegistry(formalism, seed=1, max_group_qubits=bad)
        message = str(info.value)
        match = re.fullmatch(rf"max_group_qubits must be in \[0, (\d+)\] for {formalism} \(0: the default, (\d+)\), "
                             rf"got {bad}", message)  # fmt: skip
        assert match, message
        refusals.add(match.groups())
    assert len(refusals) == 1
    (high, default), = refusals
    if most is not None:
        assert (int(high), int(default)) == (most, usual)
    assert qnsim.QubitRegistry(formalism, seed=1, max_group_qubits=int(high)).max_group_qubits == int(high)
    with pytest.raises(qnsim.QnsimError, match="bell_diagonal formalism keeps each pair"):
        qnsim.QubitRegistry("bell_diagonal", seed=1, max_group_qubits=-1)


def test_threads_and_a_chunk_are_refused_stating_their_declared_range(tmp_path):
    """Old behaviour: `Network.run_seeds(threads=0)` was told "threads must be >= 1" and 5000 "<= 4096";
    `NativeNetwork.run_seeds(..., threads=10**9)` started as many threads as seeds without a word and -1 was told
    "[0, 2**32 - 1]"; `stream_circuit_file(chunk_bytes=0)` "must be >= 4096" and 2**62 "<= 1073741824". Each
    range is declared once in the core (qnsim._core.THREADS_RANGE, CHUNK_BYTES_RANGE) and stated whole."""
    from qnsim.estimate.workload import stream_circuit_file

    assert _core.THREADS_RANGE == "[0, 4096]" and _core.CHUNK_BYTES_RANGE == "[4096, 1073741824]"
    native = _network()
    threads = refused_each(lambda bad: native.run_seeds([1], 10, bad), (-1, 4097, 10**9, 2**32, 2**64))
    for bad, message in threads.items():
        assert "threads must be in [0, 4096]" in message and f"got {bad}" in message, message
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b")
    refused_each(lambda bad: net.run_seeds([1], 1e-4, threads=bad), (0, -1, 4097, 2**64), qnsim.ParameterError,
                 "threads must be in [1, 4096] (None: every core this process may use), got {bad}")  # fmt: skip
    circuit = tmp_path / "c.stim"
    circuit.write_text("CX 0 1\n")
    for call in (lambda bad: stream_circuit_file(circuit, chunk_bytes=bad),
                 lambda bad: _core.stream_count_file(str(circuit), bad)):  # fmt: skip
        refused_each(call, (0, 4095, 2**30 + 1, 2**62, 2**64, -1),
                     message="chunk_bytes must be in [4096, 1073741824], got {bad}")  # fmt: skip


def test_a_trace_file_s_limit_is_refused_in_the_words_of_every_record_limit(tmp_path):
    """Old behaviour: `TraceFile(network, path, limit=-1)` said "TraceFile limit must be >= 0 records" and 2**64
    "must be <= 100000000 records", where `Network(trace=-1)` says "trace must be in [0, 100000000] (0: off)"."""
    from qnsim.trace import TraceFile

    network = qnsim.Network("bell_diagonal", seed=1)
    limits = (-1, 10**8 + 1, 2**64)
    refused_each(lambda bad: TraceFile(network, tmp_path / "t.jsonl", limit=bad), limits, qnsim.ParameterError,
                 f"TraceFile limit must be in {_core.RECORD_LIMIT_RANGE} (0: off), got {{bad}}")  # fmt: skip
    refused_each(lambda bad: qnsim.Network("bell_diagonal", seed=1, trace=bad), limits, qnsim.ParameterError,
                 f"trace must be in {_core.RECORD_LIMIT_RANGE} (0: off), got {{bad}}")  # fmt: skip


def test_option_name_refuses_what_is_no_setting_s_name():
    """Old behaviour: `qnsim.option_name(1)` returned 1 and `option_name(None)` None (a name that is not a str), and
    `option_name("num_pairs", "x")` under the scenario reader "requests.x.num_pairs", a key no scenario has."""
    for key in (1, None, 1.5, b"until_s"):
        with pytest.raises(TypeError, match=r"^option_name: key must be a setting's name \(a str\), got "):
            qnsim.option_name(key)
    for request in ("x", -1, 1.0, True):
        with pytest.raises(TypeError, match=r"^option_name: request must be None or a request's index"):
            qnsim.option_name("num_pairs", request)
    with qnsim.options_as("scenario"):
        assert qnsim.option_name("num_pairs", 2) == "requests.2.num_pairs"
        assert qnsim.option_name("until_s") == "run.until_s"


def test_a_network_s_slot_index_from_python_is_told_the_network_s_slots():
    """Old behaviour: `Network.slot_node(-1)` said "slot must be >= 0, got -1" and 2**64 "slot must be <= 4294967295"
    (the index type's halves), where 99 got the network's "slot 99 is out of range: ... 2 memory slots [0, 1]"."""
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b")
    for call in (net.slot_node, net.slot_link, net.slot_ref):
        refused_each(call, (-1, 2, 99, 2**32, 2**64), IndexError,
                     "slot {bad} is out of range: the network has 2 memory slots [0, 1]")  # fmt: skip
        for message in refused_each(call, (1.5, True, "0"), qnsim.ParameterError).values():
            assert message.startswith("slot must be an integer, got "), message
