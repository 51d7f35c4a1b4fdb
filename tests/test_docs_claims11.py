"""The docs against behaviour, round 11: figures the README, the custom-protocol tutorial and ``qnsim.protocol``
print or quote, checked against what the code gives today (each claim's text is asserted to be where it is read,
so that a claim changed without its test fails here)."""

from __future__ import annotations

import ast
import contextlib
import io
import re

from repo_text import EXAMPLES, ROOT, prose, read_text

import qnsim


def test_the_readme_trace_tours_printed_counts_are_what_it_prints():
    """README, "To see every protocol step": the block prints ``net.trace().events()`` and its comment gives the
    counts ``{'link_pair': 4, 'swap': 2, ..., 'delivery': 2, ..., 'served': 1, ...}``. The README's blocks were
    run (tests/test_readme.py) but what they print was never set against their comments."""
    readme = read_text(ROOT / "README.md")
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "net.trace().events()" in b)
    comment = re.search(r"print\(net\.trace\(\)\.events\(\)\)\s*# (\{.*\})", block).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})
    counts = ast.literal_eval(out.getvalue().splitlines()[0])
    claimed = dict(re.findall(r"'(\w+)': (\d+)", comment))
    assert claimed == {"link_pair": "4", "swap": "2", "delivery": "2", "served": "1"}
    assert {k: str(counts[k]) for k in claimed} == claimed, counts


def test_the_continuous_chain_events_grow_as_n_squared_per_pair():
    """docs/tutorials/custom_protocol.md and ``qnsim.protocol``: under continuous generation the tutorial's chain
    makes events per pair that "grow as N^2", "at 1,000 nodes the native run takes 125,691 events for the 3 pairs".
    They said "~N^2 events per pair", read as 10^6 for 1,000 nodes where the run makes ~42,000 a pair (each link
    regenerates once per 100 us while the news crosses ~4.8 us per km): the growth is N^2, the count is not."""
    text = prose(ROOT / "docs" / "tutorials" / "custom_protocol.md")
    assert "at 1,000 nodes the native run takes 125,691 events for the 3 pairs (16 ms of CPU)" in text
    assert "375,344 events for those 3 pairs" in " ".join(qnsim.protocol.__doc__.split())
    build = read_text(EXAMPLES / "chain_policy.py")
    assert (
        'qnsim.chain(nodes, length_km=1.0, fidelity=0.9999, rate_hz=1e4, formalism="bell_diagonal", seed=seed)' in build
        and "def build(nodes: int, pairs: int, protocol: qnsim.Protocol | None, seed: int = 5,\n" in build
    )

    def events(nodes: int) -> int:
        net = qnsim.chain(nodes, length_km=1.0, fidelity=0.9999, rate_hz=1e4, formalism="bell_diagonal", seed=5)
        net.request("n0", f"n{nodes - 1}", num_pairs=3)  # the tutorial's chain (chain_policy.build), continuous
        result = net.run(10.0, progress=False)
        assert result.requests[0].num_pairs == 3
        return result.events_processed

    assert events(1000) == 125_691
    growth = events(200) / events(100)
    assert 3.2 < growth < 4.8, growth  # N^2: 4 for twice the nodes
