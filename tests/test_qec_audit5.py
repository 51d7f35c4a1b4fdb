"""Trust audit of distributed QEC, fifth round: one meaning of rounds, resumable points, outputs as the API's.

Each test's docstring says what qnsim did before its fix.
"""

from __future__ import annotations

import pytest

stim = pytest.importorskip("stim")
pytest.importorskip("pymatching")

from qnsim import qec  # noqa: E402


def test_rounds_have_one_meaning_in_the_builders_the_cli_and_experiment_files(tmp_path, capsys):
    """Old behaviour: an experiment file's ``rounds = 0`` (its default) meant "as many as the distance", while
    ``qnsim qec circuit --rounds 0`` and ``memory_circuit(3, 0)`` refused 0 ("rounds must be an int >= 1") and
    ``memory_circuit(5)`` had no default at all (``merge_circuit(5)`` and the CLI did: the distance). Now rounds
    is a count >= 1 everywhere and "as many as the distance" is rounds left out, everywhere: a 0 is refused with
    that way out, in a file as on the command line, and the three default to the same circuit."""
    from qnsim import qec_cli
    from qnsim.qec.sampling import circuit_rounds
    from qnsim.qec.sweep import ExperimentSpec

    way_out = "leave rounds out for as many rounds as the distance"
    for data in ({"experiment": {"rounds": 0}}, {"grid": {"rounds": [0, 3]}}):
        with pytest.raises(ValueError, match=rf"rounds = 0: rounds counts the syndrome rounds .*; {way_out}"):
            ExperimentSpec.from_dict(data)
    assert qec_cli.main(["circuit", "--rounds", "0"]) == 2
    assert way_out in capsys.readouterr().err
    with pytest.raises(ValueError, match=way_out):
        qec.memory_circuit(3, 0)

    assert qec_cli.main(["circuit", "--distance", "5", "--p-int", "0.01"]) == 0
    from_cli = capsys.readouterr().out.strip()
    built = qec.memory_circuit(5, noise=qec.NoiseModel.uniform_depolarizing(1e-3), interface=qec.Interface.direct(0.01))
    from_file, settings = ExperimentSpec.from_dict({}).circuit({"distance": 5, "p_int": 0.01})
    assert settings["rounds"] == 5 and circuit_rounds(built) == 5
    assert from_cli == str(built).strip() == str(from_file).strip()
