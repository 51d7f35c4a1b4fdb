"""Bad input, round 38 (sweeps, resume and the CLI): values read as another thing than the user meant without a
word (a sweep key's number read as an index where it is also an entry's name)."""

from __future__ import annotations

import pytest

from qnsim.sweeps import GridKeyError, apply_overrides

# --- 1. a sweep key whose list part is both an index and another entry's name ---

_NUMBERED = {"nodes": [{"name": "1", "t2_s": 1.0}, {"name": "0", "t2_s": 1.0}]}


@pytest.mark.parametrize("key", ["nodes.0.t2_s", "nodes.1.t2_s"])
def test_a_number_that_is_an_index_and_another_entrys_name_is_refused(key) -> None:
    """Old behaviour: with nodes named "1", "0" in that order, nodes.0.t2_s set the node named "1" (entry 0) without a
    word, where the user meant the node called "0"."""
    part = key.split(".")[1]
    with pytest.raises(GridKeyError, match=rf"'{part}' is both entry {part} of nodes \(by index\) and the name of entry "
                       rf"{1 - int(part)}, so the key does not say which it sets"):
        apply_overrides(_NUMBERED, {key: 0.5})


def test_a_number_that_is_an_entrys_own_name_and_index_sets_it() -> None:
    """Nodes numbered in their order are not ambiguous: the index and the name are one entry."""
    data = {"nodes": [{"name": "0", "t2_s": 1.0}, {"name": "1", "t2_s": 1.0}]}
    assert [n["t2_s"] for n in apply_overrides(data, {"nodes.1.t2_s": 0.5})["nodes"]] == [1.0, 0.5]


def test_a_number_past_the_last_index_that_names_one_entry_sets_that_entry() -> None:
    """A number that is no index but one entry's name can mean that entry only (was: "index 7 is out of range")."""
    data = {"nodes": [{"name": "0", "t2_s": 1.0}, {"name": "7", "t2_s": 1.0}]}
    assert [n["t2_s"] for n in apply_overrides(data, {"nodes.7.t2_s": 0.5})["nodes"]] == [1.0, 0.5]
    with pytest.raises(GridKeyError, match="index 3 is out of range, nodes has 2 entries"):
        apply_overrides(data, {"nodes.3.t2_s": 0.5})


def test_qnsim_sweep_names_the_param_whose_key_is_ambiguous(tmp_path, capsys) -> None:
    """Old behaviour: `qnsim sweep` of nodes "1", "0" with --param nodes.0.num_memories=3,4 swept node "1"."""
    from qnsim import cli

    scenario = tmp_path / "numbered.toml"
    scenario.write_text(
        '[run]\nuntil_s = 0.001\n[[nodes]]\nname = "1"\npreset = "nv_10x_improved"\n[[nodes]]\nname = "0"\n'
        'preset = "nv_10x_improved"\n[[links]]\na = "1"\nb = "0"\nlength_km = 1.0\n[[requests]]\nsrc = "1"\n'
        'dst = "0"\n'
    )
    code = cli.main(["sweep", str(scenario), "--param", "nodes.0.num_memories=3,4", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "--param 'nodes.0.num_memories=3,4'" in err and "is both entry 0" in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
