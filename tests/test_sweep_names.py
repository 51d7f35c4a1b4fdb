"""Sweep keys by name, linked parameters, and the named per-request columns of sweep rows."""

import csv
import math

import pytest

import qnsim
from qnsim.cli import main as cli_main
from qnsim.config import tomllib
from qnsim.scenario import run_scenario_data
from qnsim.sweep_cli import parse_param
from qnsim.sweeps import apply_overrides, grid_points

SCENARIO = """
[run]
until_s = 0.02

[[nodes]]
name = "qpu_a"
t2_s = 1.0
[[nodes]]
name = "m"
role = "repeater"
[[nodes]]
name = "qpu_b"

[[links]]
a = "qpu_a"
b = "m"
length_km = 1.0
fidelity = 0.95
rate_hz = 2000.0
[[links]]
a = "m"
b = "qpu_b"
length_km = 1.0
fidelity = 0.95
rate_hz = 2000.0

[[requests]]
src = "qpu_a"
dst = "qpu_b"
name = "long"
[[requests]]
src = "qpu_a"
dst = "m"
start_s = 0.03
"""


@pytest.fixture()
def data():
    return tomllib.loads(SCENARIO)


def test_list_entries_are_addressed_by_name(data):
    out = apply_overrides(data, {
        "nodes.qpu_a.t2_s": 0.5,
        "links.qpu_b-m.length_km": 3.0,            # a link by its ends, either order
        "requests.long.start_s": 0.001,             # a request by its name
        "requests.qpu_a->m.start_s": 0.002,         # ... or by src->dst
        "nodes.m.t1_s": 2.0,                        # a spec field the file leaves out
    })
    assert out["nodes"][0]["t2_s"] == 0.5 and out["nodes"][1]["t1_s"] == 2.0
    assert out["links"][1]["length_km"] == 3.0 and out["links"][0]["length_km"] == 1.0
    assert out["requests"][0]["start_s"] == 0.001 and out["requests"][1]["start_s"] == 0.002
    assert "t1_s" not in data["nodes"][1]  # the input is not modified


@pytest.mark.parametrize(
    "key, message",
    [
        # equally close to qpu_a and qpu_b: no guess between them, the entries instead
        ("nodes.qpu_x.t2_s", r"nodes has no entry named 'qpu_x'; its entries are 'qpu_a', "),
        ("nodes.qpu_bb.t2_s", r"nodes has no entry named 'qpu_bb'; did you mean 'qpu_b'\?"),
        ("links.qpu_a-qpu_b.length_km", r"links has no entry named 'qpu_a-qpu_b'"),
        ("requests.lng.num_pairs", r"requests has no entry named 'lng'; did you mean 'long'\?"),
        ("nodes.qpu_a.t3_s", r"did you mean 'nodes.qpu_a.t2_s'"),
        ("nodes.qpu_a.path", r"has no key 'path'"),
    ],
)
def test_unknown_names_get_a_suggestion(data, key, message):
    with pytest.raises(ValueError, match=message):
        apply_overrides(data, {key: 1.0})


def test_duplicate_names_are_refused_with_indices():
    data = {"nodes": [{"name": "x", "t1_s": 1.0}, {"name": "x", "t1_s": 1.0}]}
    with pytest.raises(ValueError, match=r"2 entries of nodes are called 'x' \(entries 0, 1\)"):
        apply_overrides(data, {"nodes.x.t1_s": 2.0})


def test_linked_parameters_vary_together():
    points = grid_points({"a,b": [(1, 10), (2, 20)], "c": [0.5, 1.5]})
    assert [(p.params["a"], p.params["b"], p.params["c"]) for p in points] == [
        (1, 10, 0.5), (1, 10, 1.5), (2, 20, 0.5), (2, 20, 1.5)]
    with pytest.raises(ValueError, match=r"links 2 keys, so each value needs 2 entries, got \(3,\)"):
        grid_points({"a,b": [(1, 2), (3,)]})
    with pytest.raises(ValueError, match=r"grid key 'a' appears in two axes"):
        grid_points({"a,b": [(1, 2)], "a": [3]})
    with pytest.raises(ValueError, match=r"lists the value \(1, 2\) twice"):
        grid_points({"a,b": [(1, 2), (1, 2)]})


def test_cli_linked_syntax():
    assert parse_param("x,y=1,a;2,b") == ("x,y", [(1, "a"), (2, "b")])
    with pytest.raises(ValueError, match=r"needs 2 comma-separated entries .* got '3'"):
        parse_param("x,y=1,2;3")
    with pytest.raises(ValueError, match="empty key"):
        parse_param("x,,y=1,2,3")


def test_rows_have_named_columns_for_every_request(data):
    row = run_scenario_data(data, seed=1)
    for label in ("long", "qpu_a->m"):
        for figure in ("pairs", "rate_hz", "mean_fidelity", "fidelity_ci95", "mean_latency_s", "status"):
            assert f"{label}.{figure}" in row
    assert row["long.pairs"] == row["pairs"] > 0
    assert row["qpu_a->m.status"] == "pending" and row["qpu_a->m.pairs"] == 0
    assert math.isnan(row["qpu_a->m.mean_fidelity"])
    assert not any(k.startswith("r0_") for k in row)


def test_requests_sharing_a_label_get_their_index():
    data = tomllib.loads(SCENARIO)
    del data["requests"][0]["name"]
    data["requests"][1]["dst"] = "qpu_b"
    row = run_scenario_data(data, seed=1)
    assert "qpu_a->qpu_b#0.pairs" in row and "qpu_a->qpu_b#1.pairs" in row


def test_ci_of_identical_fidelities_is_exactly_zero(data):
    data["links"] = data["links"][:1]
    data["links"][0]["fidelity"] = 0.9
    data["requests"] = [{"src": "qpu_a", "dst": "m"}]
    data["nodes"][0].pop("t2_s")
    row = run_scenario_data(data, seed=2)
    assert row["pairs"] > 2 and row["fidelity_ci95"] == 0.0


def test_request_names_are_unique_and_not_indices():
    net = qnsim.Network()
    for n in "ab":
        net.add_node(n)
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=10.0, channels=2)
    net.request("a", "b", name="x")
    with pytest.raises(ValueError, match="another request is already named 'x'"):
        net.request("a", "b", name="x")
    with pytest.raises(ValueError, match="not all digits, got '0'"):
        net.request("a", "b", name="0")


def test_command_sweeps_linked_and_named_keys(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "rows.csv"
    code = cli_main(["sweep", str(path), "--param", "links.*.channels,requests.long.memories_per_link=1,1;2,2",
                     "--param", "nodes.qpu_a.t2_s=0.5", "--out", str(out), "--workers", "1", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["links.*.channels"], r["requests.long.memories_per_link"]) for r in rows] == [("1", "1"), ("2", "2")]
    assert all(r["long.status"] for r in rows)
    assert cli_main(["sweep", str(path), "--param", "nodes.qpu_x.t2_s=1.0"]) == 2
    assert "has no entry named 'qpu_x'; its entries are" in capsys.readouterr().err
