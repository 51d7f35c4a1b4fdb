"""The docs against behaviour, round 14: figures of docs/reference/cli.rst and of the links-file reference
(docs/reference/estimate-files.rst, rendered from ``qnsim.estimate_cli.LINKS_FILE_KEYS``, the same text as
``qnsim estimate --help``) that no test tied to the values the code applies. The key table's defaults are strings
written by hand beside the dataclasses whose defaults they describe, so each is compared with that default here."""

from __future__ import annotations

import dataclasses
import math

import pytest
from repo_text import ROOT, prose

CLI_RST = ROOT / "docs" / "reference" / "cli.rst"


def _file_key(table: str, name: str):
    """The links-file key ``[table] name`` as the reference and --help describe it."""
    from qnsim.estimate_cli import LINKS_FILE_KEYS

    (key,) = [k for k in LINKS_FILE_KEYS if (k.table, k.name) == (table, name)]
    return key


def test_the_sweep_reference_states_the_heartbeat_period_and_age_the_sweep_applies():
    """docs/reference/cli.rst: a running sweep records "every 10 s, that it is alive", and --take-over is refused
    "while that sweep recorded itself alive within 60 s": ``HEARTBEAT_S`` and ``HEARTBEAT_STALE_S``."""
    from qnsim.sweeps import HEARTBEAT_S, HEARTBEAT_STALE_S

    text = prose(CLI_RST)
    assert f"every {HEARTBEAT_S:g} s, that it is alive" in text
    assert f"while that sweep recorded itself alive within {HEARTBEAT_STALE_S:g} s" in text


@pytest.mark.parametrize("name", ["t_1q_s", "t_2q_s", "t_meas_s", "e_1q", "e_2q", "e_meas"])
def test_a_qpu_keys_documented_default_is_the_qpus_default(name):
    """Links-file reference, [[qpu]]: "t_1q_s (... default 5e-08 (or the preset's) ...)", "t_meas_s (... default
    1e-07 ...)", "e_1q (... default 0.001 ...)", ...: the default a QPU without the key gets (``QPU``'s field)."""
    from qnsim.estimate import QPU

    default = {f.name: f.default for f in dataclasses.fields(QPU)}[name]
    assert _file_key("qpu", name).default == f"{default:g} (or the preset's)"


@pytest.mark.parametrize("name", ["crossing_prefactor", "error_threshold", "max_distance", "interface_threshold"])
def test_a_surface_code_keys_documented_default_is_the_surface_codes_default(name):
    """Links-file reference, [qpu.surface_code] ("surface_code = true takes these defaults"): crossing_prefactor
    0.03, error_threshold 0.01, max_distance 101, interface_threshold 0.1, as ``SurfaceCode()`` has them."""
    from qnsim.estimate import SurfaceCode

    assert _file_key("qpu.surface_code", name).default == f"{getattr(SurfaceCode(), name):g}"


def test_a_links_documented_channels_and_buffer_defaults_are_the_links():
    """Links-file reference, [[link]]: "channels (an integer, default 1, ...)", "buffer_pairs (an integer, default
    64, [1, 10^9])": a ``Link`` given neither runs one channel and ``DEFAULT_BUFFER_PAIRS`` buffered pairs."""
    from qnsim.estimate import Link
    from qnsim.estimate.links import DEFAULT_BUFFER_PAIRS

    link = Link((0, 1), rate_hz=1e3, fidelity=0.99)
    assert _file_key("link", "channels").default == str(link.channels) == "1"
    assert _file_key("link", "buffer_pairs").default == str(DEFAULT_BUFFER_PAIRS)
    assert _file_key("link", "buffer_pairs").bounds["maximum"] == 10**9


def test_the_documented_error_budget_default_is_the_estimates():
    """Links-file reference, [estimate]: "error_budget (... default 0.001 ...)" and [estimate.error_budget] "total
    (... default 0.001 ...)": what ``estimate`` uses when none is given."""
    import inspect

    from qnsim.estimate import estimate

    default = inspect.signature(estimate).parameters["error_budget"].default
    assert math.isclose(float(default), 1e-3)
    assert _file_key("estimate", "error_budget").default == f"{default:g}"
    assert _file_key("estimate.error_budget", "total").default == f"{default:g}"
