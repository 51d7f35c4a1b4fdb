"""Path choice for requests: fewest hops, fastest links, or highest swapped fidelity.

Path metrics (ties go to the path networkx's search meets first, which depends only on the
order nodes and links were added, so routes are deterministic):

* ``"hops"``: fewest links.
* ``"rate"``: least sum over links of ``1 / (channels * rate_hz)``, the mean time to herald one
  pair on each link in turn with all its channels attempting (``rate_hz`` is one channel's, and a
  link's channels deliver in parallel). It favours fast links and short paths alike, and it is an
  upper bound of the time until every link of the path holds a pair, which is what limits
  swap-ASAP without cutoffs; the end-to-end rate then scales as its inverse.
* ``"fidelity"``: largest product of the links' Werner parameters ``w = (4 F - 1) / 3``, i.e.
  least sum of ``-log w``: swapping Werner pairs multiplies their Werner parameters, so this
  path delivers the highest swapped fidelity ``1/4 + 3/4 prod(w)`` (memory decoherence and gate
  noise ignored). Links with ``F <= 1/4`` carry no entanglement and are never used.

>>> from qnsim.specs import LinkSpec
>>> from qnsim.link_builder import build_link
>>> links = [build_link(LinkSpec(a=a, b=b, length_km=1.0, fidelity=f, rate_hz=r), None, None, i)
...          for i, (a, b, f, r) in enumerate([("a", "c", 0.8, 1e3), ("a", "b", 0.99, 1e2), ("b", "c", 0.99, 1e2)])]
>>> route(["a", "b", "c"], links, "a", "c"), route(["a", "b", "c"], links, "a", "c", "fidelity")
(['a', 'c'], ['a', 'b', 'c'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import networkx as nx

from qnsim.link_builder import LinkInfo

__all__ = ["ROUTINGS", "route"]

#: Path metrics a request may route by (``routing=``), described in this module's docstring.
ROUTINGS: tuple[str, ...] = ("hops", "rate", "fidelity")


def route(nodes: Iterable[str], links: Sequence[LinkInfo], src: str, dst: str, routing: str = "hops") -> list[str]:
    """The path from ``src`` to ``dst`` under ``routing`` (see the module docstring).

    Args:
        nodes: Node names, in the order they were added.
        links: The network's links, in the order they were added.
        src: Source node.
        dst: Destination node.
        routing: ``"hops"``, ``"rate"`` or ``"fidelity"`` (checked by the request's spec).

    Returns:
        Node names from src to dst.

    Raises:
        ValueError: No path (naming the metric's restriction when there is one).
    """
    if routing not in ROUTINGS:  # any other text was routed by hops
        raise ValueError(f"routing must be one of {', '.join(map(repr, ROUTINGS))}, got {routing!r}")
    g = nx.Graph()
    g.add_nodes_from(nodes)
    for end, name in (("src", src), ("dst", dst)):
        if not isinstance(name, str) or name not in g:
            known = ", ".join(map(str, g.nodes)) or "none"
            raise ValueError(f"{end} {name!r} is not a node of the network (nodes: {known})")
    for link in links:
        if routing == "hops":
            weight = 1.0
        elif routing == "rate":
            # What the link delivers: its channels are independent renewal processes (a 4-channel
            # 1 kHz link heralds 4,000 pairs/s, not the 1,000 of one channel).
            weight = 1.0 / (link.channels * link.rate_hz)
        else:
            w = (4.0 * link.fidelity - 1.0) / 3.0
            if w <= 0:
                continue
            weight = -math.log(w)
        g.add_edge(link.a, link.b, weight=weight)
    try:
        if routing == "hops":
            return list(nx.shortest_path(g, src, dst))
        return list(nx.dijkstra_path(g, src, dst, weight="weight"))
    except nx.NetworkXNoPath:
        extra = " with link fidelity > 1/4" if routing == "fidelity" else ""
        raise ValueError(f"no path of links{extra} between them (are they connected?)") from None
