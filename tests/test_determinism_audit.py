"""Determinism audit: the same inputs and seed give the same results bit for bit, and a result that rests on a seed
nobody gave says which seed it drew."""

import re

import qnsim
from qnsim.estimate import calibrate_link


def _pair_network(seed):
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a", hardware="nv_10x_improved", num_memories=2)
    net.add_node("b", hardware="nv_10x_improved", num_memories=2)
    net.add_link("a", "b", length_km=5.0)
    net.request("a", "b")
    return net


def test_a_calibration_with_a_drawn_seed_names_the_seed_that_repeats_it():
    """Old behaviour: a calibration of a scenario without run.seed (or of a Network(seed=None)), and so every
    ``qnsim estimate`` of a links file whose [[link]] gives no seed, ran with a seed drawn at random: the rate,
    fidelity and the whole estimate changed from run to run (4410 then 4380 pairs/s for the README's link without
    its seeds) and nothing said which seed had been used, so no figure could be repeated."""
    drawn = calibrate_link(_pair_network(None), until_s=0.02)
    notes = [n for n in drawn.notes if "drawn at random" in n]
    assert len(notes) == 1, drawn.notes
    seed = int(re.search(r"seed = (\d+)", notes[0]).group(1))
    again = calibrate_link(_pair_network(seed), until_s=0.02)
    assert (again.rate_hz, again.fidelity, again.pairs) == (drawn.rate_hz, drawn.fidelity, drawn.pairs)
    assert not any("drawn at random" in n for n in again.notes)
