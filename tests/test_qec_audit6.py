"""Trust audit of distributed QEC, sixth round: the link's figures checked by hand, from the delivered pairs to the
logical error per round and the pair rate a round needs.

Each test's docstring says what qnsim did before its fix.
"""

from __future__ import annotations

import pytest

pytest.importorskip("stim")
pytest.importorskip("pymatching")


def _scenario(tmp_path, rate_hz: float):
    """Two QPUs (T1 = 300 us, T2 = 200 us) joined by an abstract link of ``rate_hz`` pairs per second."""
    text = f"""
[run]
until_s = 0.05
seed = 1
[[nodes]]
name = "a"
t1_s = 300e-6
t2_s = 200e-6
[[nodes]]
name = "b"
t1_s = 300e-6
t2_s = 200e-6
[[links]]
a = "a"
b = "b"
length_km = 1.0
bell_diagonal = [0.9, 0.05, 0.03, 0.02]
rate_hz = {rate_hz!r}
[[requests]]
src = "a"
dst = "b"
"""
    path = tmp_path / f"link_{rate_hz:g}.toml"
    path.write_text(text)
    return str(path)


def test_qec_link_says_when_pairs_arrive_unentangled_and_data_decohere(tmp_path, capsys):
    """Old behaviour: ``qnsim qec link`` on a link far too slow for its memories printed "pairs at use (after
    0.004 s in memory): (0.2500, ...)" and a data idle error of 0.75 per round with no word that the pairs carry no
    entanglement and the data decay to fully mixed while a round waits: ``RoundTiming.notes`` said so (and
    ``qnsim qec sweep`` showed it) but this command never printed them. Now each is a WARNING line; a link that
    keeps up has none."""
    from qnsim import qec_cli

    slow = _scenario(tmp_path, 1e3)
    assert qec_cli.main(["link", slow, "--experiment", "memory", "--distance", "5", "--probes", "2"]) == 0
    out = capsys.readouterr().out
    assert "WARNING: NOT ENTANGLED at use" in out
    assert "WARNING: DATA DECOHERED while waiting" in out

    fast = _scenario(tmp_path, 1e7)
    assert qec_cli.main(["link", fast, "--experiment", "memory", "--distance", "3", "--probes", "2"]) == 0
    out = capsys.readouterr().out
    assert "NOT ENTANGLED" not in out and "DECOHERED" not in out
