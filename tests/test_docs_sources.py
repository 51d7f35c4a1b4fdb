"""The sources the documentation is generated from are complete: ``qnsim estimate --help`` prints
every links-file key (with its unit) and the workload dialect with every gate the parser knows,
and every scenario key has its documentation line."""

import contextlib
import io

from qnsim import _core
from qnsim.estimate_cli import LINKS_FILE_KEYS, main
from qnsim.scenario import RunSettings
from qnsim.specs import LinkSpec, NodeSpec, RequestSpec, spec_fields


def _help() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--help"]) == 0
    return out.getvalue()


def test_estimate_help_prints_the_links_file_format_and_the_workload_dialect():
    text = _help()
    for table in ("[[qpu]]", "[qpu.surface_code]", "[[link]]", "[estimate]"):
        assert table in text
    for key in LINKS_FILE_KEYS:
        line = next(line for line in text.splitlines() if line.startswith(f"  {key.name} ("))
        if key.unit:
            assert f", {key.unit}," in line, line
        if key.range:
            assert key.range in line or key.range in text, key.name
    assert "Stim syntax plus T, T_DAG, CCZ, RZ/RX/RY(theta)" in " ".join(text.split())
    for gate in _core.gate_kinds():
        assert gate in text, gate
    for key in ("numQubits", "tCount", "logical_qubits", "REPEAT"):
        assert key in text


def test_the_reader_accepts_exactly_the_documented_keys():
    from qnsim.config import ConfigError
    from qnsim.estimate_cli import load_network

    base = {"qpu": [{"num_qubits": 4, "count": 2}], "link": [{"qpus": [0, 1], "rate_hz": 1e3, "fidelity": 0.9}]}
    for table in ("qpu", "link", "estimate"):
        data = {k: [dict(v) for v in vs] for k, vs in base.items()}
        target = data.setdefault("estimate", {}) if table == "estimate" else data[table][0]
        target["no_such_key"] = 1
        try:
            load_network(data, source="f.toml")
        except ConfigError as exc:
            documented = [k.name for k in LINKS_FILE_KEYS if k.table == table]
            assert all(name in str(exc) for name in documented), str(exc)
        else:
            raise AssertionError(f"{table}: unknown key accepted")


def test_every_scenario_key_has_documentation():
    for cls in (NodeSpec, LinkSpec, RequestSpec, RunSettings):
        for field in spec_fields(cls):
            assert field.doc, f"{cls.__name__}.{field.name} has no doc"


def test_estimate_help_explains_every_column_of_the_link_table():
    """The report's link table (remote ops, raw pairs, rounds, util, memory, ...) had no legend: --help
    explained the input files only. Every header of the printed table must be explained."""
    import re

    from qnsim.estimate import QPU, Link, estimate
    from qnsim.estimate.report import LINK_TABLE_COLUMNS

    report = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.9)], target_fidelity=0.95)
    header = next(line for line in report.table().splitlines() if line.startswith("link "))
    explained = {re.split(r"\s{2,}", line.strip())[0] for line in LINK_TABLE_COLUMNS.splitlines() if line.startswith("  ")}
    rest = header
    for name in sorted(explained, key=len, reverse=True):
        rest = re.sub(rf"(?<!\S){re.escape(name)}(?!\S)", " ", rest)
    assert rest.split() == [], (header, rest)
    assert LINK_TABLE_COLUMNS in _help()
