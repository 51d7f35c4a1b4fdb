"""The users' journeys, round 8 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import pytest

import qnsim


@pytest.mark.parametrize(("written", "meant"), [("on_pair_redy", "on_pair_ready"), ("on_pair_lots", "on_pair_lost"),
                                             ("on_Message", "on_message"), ("on_timeout", "on_timer")])
def test_a_misspelt_callback_is_refused_with_the_callbacks_name(written, meant):
    """A protocol whose ``on_pair_ready`` was misspelt (``on_pair_redy``) ran: nothing ever called the method, and
    the request ended open with 0 of 3 pairs, the result's note saying only that the protocol held every memory with no
    event left; a misspelt ``on_pair_lots`` beside a working ``on_pair_ready`` was never called on a cutoff's loss,
    without any word. Old behaviour: those runs; now the class itself is refused, naming the callback meant."""

    def callback(self, *args):
        pass

    with pytest.raises(TypeError, match=rf"defines {written}, which qnsim never calls.*did you mean '{meant}'"):
        type("Misspelt", (qnsim.Protocol,), {"on_pair_ready": callback, written: callback})


def test_a_callback_qnsim_does_not_have_is_refused():
    """``on_start`` (a callback other simulators have) was accepted and never called. Old behaviour: silence; now
    refused, listing the four callbacks, with no misleading did-you-mean."""
    with pytest.raises(TypeError, match=r"defines on_start, which qnsim never calls: the callbacks are on_pair_ready, "
                                        r"on_message, on_timer, on_pair_lost; a method of your own") as info:

        class Starting(qnsim.Protocol):
            def on_start(self):
                pass

    assert "did you mean" not in str(info.value)


def test_helpers_and_the_four_callbacks_are_still_accepted():
    """The check refuses only ``on_`` names qnsim does not call: every callback, and helpers named otherwise, pass,
    and such a protocol runs (a one-hop deliverer gets its pairs)."""

    class Deliverer(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            if node == self.request.src and partner_slot is not None:
                self.deliver(slot, partner_slot)

        def on_message(self, node, message):
            pass

        def on_timer(self, node, payload):
            pass

        def on_pair_lost(self, node, slot, partner_slot):
            pass

        def handle_swap(self):  # a helper of the user's own
            pass

    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3)
    net.request("a", "b", num_pairs=3, protocol=Deliverer())
    assert net.run(0.1, progress=False).requests[0].num_pairs == 3


def test_a_plot_of_several_requests_names_the_other_requests_columns():
    """The README's sweep of examples/two_qpus_transducers.toml (two requests) plotted by default only the first
    request's figures (transmon memories, NOT ENTANGLED at 20 km); the second (the 10 ms memories the scenario is
    about) stayed in the rows, unnamed. Old behaviour: the y label named the first request, nothing the other; now a
    note (stderr of ``qnsim plot``, ``summarize(...).attrs["notes"]``) names the other request's columns."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize

    rows = [
        {"links.*.length_km": km, "seed": seed, "a->b.rate_hz": 10.0 / km, "a->b.mean_fidelity": 0.6,
         "c->d.rate_hz": 11.0 / km, "c->d.mean_fidelity": 0.98, "rate_hz": 10.0 / km, "mean_fidelity": 0.6}
        for km in (5, 10) for seed in (0, 1)
    ]
    notes = summarize(rows, "links.*.length_km", ["rate_hz", "mean_fidelity"]).attrs["notes"]
    said = [n for n in notes if "the first of the rows' 2 requests" in n]
    assert said == ["rate_hz, mean_fidelity: request a->b's, the first of the rows' 2 requests; the other has columns "
                    "of its own: c->d.rate_hz, c->d.mean_fidelity (qnsim plot --y COLUMN, or plot_sweep's y=)"]
    mine = summarize(rows, "links.*.length_km", ["c->d.rate_hz"]).attrs["notes"]
    assert not [n for n in mine if "requests;" in n]  # a request's own column needs no such note
