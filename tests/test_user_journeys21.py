"""The users' journeys, round 21: the architect asking whether purification helps, on links with too few channels.

Each test's docstring states the old (wrong) behaviour it guards against.
"""

from __future__ import annotations

import re

import pytest
from repo_text import EXAMPLES

import qnsim
from qnsim.cli import main


def _two_nodes(channels: int) -> qnsim.Network:
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "ab":
        net.add_node(name, num_memories=4)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3, channels=channels)
    return net


def test_a_target_fidelity_that_needs_more_memories_than_channels_names_its_rounds():
    """``net.request("a", "b", target_fidelity=0.99)`` on a 2-channel link of F = 0.9 said only "request needs 4
    memories per side on link 'a'-'b', which has 2 channels (raise its channels)": the 3 rounds the target had chosen
    unseen, why they take 4 memories, how many channels to give and what else would do were unsaid. Old behaviour: the
    core's bare count; now the rounds the target takes, one pair per level, the channels to raise to, or a lower
    target."""
    with pytest.raises(ValueError) as caught:
        _two_nodes(2).request("a", "b", target_fidelity=0.99)
    assert str(caught.value) == (
        "request 'a' -> 'b': request needs 4 memories per side on link 'a'-'b', which has 2 channels: "
        "target_fidelity 0.99 takes 3 link purification round(s) here, which hold one pair per level "
        "(4 memories per side); raise the link's channels to 4, or ask for a lower target_fidelity"
    )
    assert _two_nodes(4).request("a", "b", target_fidelity=0.99).purification_rounds == 3  # the way out works


@pytest.mark.parametrize(
    "channels, params, says",
    [
        (
            1,
            {"purification": "bbpssw"},
            "which has 1 channel: 1 link purification round(s), which hold one pair per "
            "level (2 memories per side); raise the link's channels to 2, or ask for fewer rounds (purification_rounds "
            "= 0 fits 1 channel)",
        ),
        (
            2,
            {"purification_rounds": 2},
            "which has 2 channels: 2 link purification round(s), which hold one pair per "
            "level (3 memories per side); raise the link's channels to 3, or ask for fewer rounds (purification_rounds "
            "= 1 fits 2 channels)",
        ),
        (
            2,
            {"end_to_end_purification_rounds": 2},
            "which has 2 channels: 2 end-to-end round(s), which hold one pair "
            "per level (3 memories per side); raise the link's channels to 3, or ask for fewer end-to-end rounds",
        ),
    ],
)
def test_purification_rounds_beyond_the_channels_are_refused_with_the_rounds_that_fit(channels, params, says):
    """Rounds asked for on too narrow a link said "... which has 1 channels (raise its channels)" (a plural for one,
    and no word of the rounds that asked for the memories or of the rounds that fit). Old behaviour: the count only;
    now the rounds, the channels they need and the rounds the link holds."""
    with pytest.raises(ValueError, match="request needs") as caught:
        _two_nodes(channels).request("a", "b", **params)
    assert str(caught.value).endswith(says), str(caught.value)
    if "purification_rounds" in params:  # the rounds the refusal names fit
        assert _two_nodes(channels).request("a", "b", purification_rounds=channels - 1).memories_per_link == channels


def test_a_rounds_sweep_without_the_channels_says_which_value_and_the_way_out(capsys):
    """The architect's question ("does purification help?") swept from the command line on the shipped repeater file,
    forgetting the tutorial's ``links.*.channels=3``: ``qnsim sweep`` stopped at the grid value 2 with "request needs 3
    memories per side on link 'qpu_a'-'repeater', which has 2 channels (raise its channels)". Old behaviour: no word
    that the 2 rounds asked for the memories; now the rounds, and the channels or rounds that fit."""
    scenario = str(EXAMPLES / "transducer_repeater.toml")
    if not (EXAMPLES / "transducer_repeater.toml").exists():
        pytest.skip("examples/ is not next to the tests (installed-package run)")
    argv = ["sweep", scenario, "--param", "requests.0.purification_rounds=0,1,2", "--seeds", "1", "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "grid value requests.0.purification_rounds = 2" in err, err
    assert (
        "request needs 3 memories per side on link 'qpu_a'-'repeater', which has 2 channels: 2 link purification "
        "round(s), which hold one pair per level (3 memories per side); raise the link's channels to 3, or ask for "
        "fewer rounds (purification_rounds = 1 fits 2 channels)" in err
    ), err


_FOUR_QPUS_ONE_LINK = """\
[[qpu]]
count = 4
num_qubits = 1

[[link]]
qpus = [0, 1]
rate_hz = 1e4
fidelity = 0.99
"""


def test_qpus_without_a_link_are_named_with_the_link_to_add(tmp_path, capsys):
    """The planner's links file gave four QPUs (``count = 4``) but kept the one ``[[link]]`` of the shipped two-QPU
    file: ``qnsim estimate`` said "no link between QPU 0 and QPU 3, but 7576000000 remote gates need one" (for one
    gate, "1 remote gates"): no word of how to join them, and a count without separators. Old behaviour: the missing
    pair only; now the count as the report writes counts and the ``[[link]]`` to add, which clears the reason."""
    workload = tmp_path / "w.stim"
    workload.write_text("REPEAT 1000 {\n    CX 0 1\n    CX 2 3\n    CX 1 2\n}\n")
    links = tmp_path / "links.toml"
    links.write_text(_FOUR_QPUS_ONE_LINK)
    assert main(["estimate", str(workload), "--links", str(links), "--no-progress"]) == 1
    out = capsys.readouterr().out
    missing = re.findall(
        r"no link between QPU (\d) and QPU (\d), but 1,000 remote gates need one; fix: join them by a link or a route "
        r"of links through relays \(a links file's \[\[link\]\] with qpus = \[(\d), (\d)\]; in Python, "
        r"Link\(\((\d), (\d)\), rate_hz, fidelity\)\)",
        out,
    )
    assert missing and all(m[:2] == m[2:4] == m[4:] for m in missing), out
    added = "".join(f"\n[[link]]\nqpus = [{a}, {b}]\nrate_hz = 1e4\nfidelity = 0.99\n" for a, b, *_ in missing)
    links.write_text(_FOUR_QPUS_ONE_LINK + added)
    main(["estimate", str(workload), "--links", str(links), "--no-progress"])
    assert "no link between" not in capsys.readouterr().out


def test_simulate_execution_without_a_link_names_the_link_to_add():
    """``simulate_execution`` on two QPUs without a link raised "no link between QPU 0 and QPU 1" and no more. Old
    behaviour: no way out; now the same reason as the estimate's, with the link to add."""
    from qnsim.estimate import QPU, simulate_execution

    with pytest.raises(ValueError) as caught:
        simulate_execution("CX 0 1", [QPU(num_qubits=1), QPU(num_qubits=1)], [], placement=[0, 1])
    assert str(caught.value) == (
        "no link between QPU 0 and QPU 1; fix: join them by a link or a route of links through relays (a links file's "
        "[[link]] with qpus = [0, 1]; in Python, Link((0, 1), rate_hz, fidelity))"
    )


def test_an_explicit_path_too_narrow_for_its_memories_is_refused_in_the_same_words():
    """``net.request("a", "b", path=["a", "b"], memories_per_link=2)`` over a 1-channel link reached the core's refusal,
    "... which has 1 channels (raise its channels)", where a routed request said "which has 1 channel (memories_per_link
    = 2: raise its channels, or route by 'rate' ...)". Old behaviour: two wordings for one check; now one."""
    net = _two_nodes(1)
    with pytest.raises(ValueError) as caught:
        net.request("a", "b", path=["a", "b"], memories_per_link=2)
    assert str(caught.value) == (
        "request 'a' -> 'b': request needs 2 memories per side on link 'a'-'b', which has 1 channel "
        "(memories_per_link = 2): give the link channels >= 2, or give a path over wider links"
    )


def test_a_callback_that_cannot_take_qnsims_arguments_is_refused_when_the_class_is_made():
    """The researcher's first policy wrote ``def on_pair_ready(self, node, slot)`` (no ``partner_slot``): the class was
    made, the request accepted, and the run failed at the first herald with Python's "P.on_pair_ready() takes 3
    positional arguments but 4 were given", naming neither the arguments qnsim passes nor their order. Old behaviour:
    a failure mid-run; now the class is refused with the call qnsim makes. A callback set on an instance is checked
    the same way (called without ``self``); ``*args`` and defaults are accepted."""
    with pytest.raises(TypeError) as caught:

        class Short(qnsim.Protocol):
            def on_pair_ready(self, node, slot):
                pass

    assert str(caught.value) == (
        "Short.on_pair_ready(self, node, slot) cannot take the arguments qnsim passes it (too many positional "
        "arguments): qnsim calls on_pair_ready(self, node, slot, partner_slot), by position"
    )
    with pytest.raises(TypeError, match=r"qnsim calls on_timer\(self, node, payload\), by position"):

        class NoPayload(qnsim.Protocol):
            def on_timer(self, node, payload, when):
                pass

    class Loose(qnsim.Protocol):  # accepted: qnsim's arguments bind
        def on_pair_ready(self, *args):
            pass

        def on_message(self, node, message, extra=None):
            pass

    protocol = Loose()
    with pytest.raises(TypeError, match=r"qnsim calls on_message\(node, message\), by position"):
        protocol.on_message = lambda node: None
    protocol.on_message = lambda node, message: None


def test_a_links_file_link_to_a_lone_relay_names_the_file_and_table():
    """The planner's links file with ``qpus = [0, 4]`` for four QPUs (a QPU index typed one too high) was refused by
    the estimate as "link (0, 4) ends at node 4, which is not a QPU ...", where every other links-file refusal names
    the file, the table and the key. Old behaviour: no file or table; now ``net.toml: link[1].qpus = [0, 4] ...``. A
    relay joined to two links is still a relay."""
    from qnsim.config import ConfigError
    from qnsim.estimate_cli import load_network

    qpu = {"num_qubits": 1, "count": 4}
    links = [{"qpus": [0, 1], "rate_hz": 1e4, "fidelity": 0.99}, {"qpus": [0, 4], "rate_hz": 1e4, "fidelity": 0.99}]
    with pytest.raises(ConfigError) as caught:
        load_network({"qpu": [qpu], "link": links}, source="net.toml")
    assert str(caught.value) == (
        "net.toml: link[1].qpus = [0, 4] ends at node 4, which is not a QPU (there are 4 QPUs, 0..3); a node "
        "numbered from 4 up is a relay, but relay 4 has no other link, so no route can pass through it: use a QPU "
        "index, or join the relay to two or more links"
    )
    relay = links + [{"qpus": [4, 3], "rate_hz": 1e4, "fidelity": 0.99}]
    assert len(load_network({"qpu": [qpu], "link": relay}, source="net.toml")[1]) == 3


def test_log_to_stderr_refuses_a_stream_it_cannot_write_to():
    """The researcher watching a long run wrote ``qnsim.log_to_stderr("INFO", stream="run.log")`` (a path, not an open
    file): the handler was installed, and every later record printed logging's own "--- Logging error ---" traceback
    to stderr (``stream=10**5000`` in the bad-input walk of round 15 did the same, and broke other tests' stderr in
    that worker). Old behaviour: accepted, failing at each record; now a TypeError naming the value, and the logger
    left as it was."""
    import logging

    before = list(logging.getLogger("qnsim").handlers)
    for stream in ("run.log", 10**5000):
        with pytest.raises(TypeError, match=r"^stream must be a text stream with a write\(\) method .*, got "):
            qnsim.log_to_stderr("INFO", stream=stream)
    assert logging.getLogger("qnsim").handlers == before
