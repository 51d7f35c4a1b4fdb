"""Path choice for requests: fewest hops, fastest links, or highest swapped fidelity.

Path metrics (ties go to the path networkx's search meets first, which depends only on the
order nodes and links were added, so routes are deterministic):

* ``"hops"``: fewest links.
* ``"rate"``: least ``sum over links of 1 / (m * rate_hz)``, the mean time to herald one pair on
  each link in turn with the ``m`` memories per side the request holds on it attempting in
  parallel (``rate_hz`` is one channel's; ``m`` channels deliver ``m`` times it). ``m`` is the
  request's ``memories_per_link`` (only links with that many channels qualify), or by default the
  path's narrowest link's channel count, as :meth:`qnsim.Network.request` reserves. It favours fast
  links and short paths alike, and it is an upper bound of the time until every link of the path
  holds a pair, which is what limits swap-ASAP without cutoffs; the end-to-end rate then scales as
  its inverse.
* ``"fidelity"``: largest product of the links' Werner parameters ``w = (4 F - 1) / 3``, i.e.
  least sum of ``-log w``: swapping Werner pairs multiplies their Werner parameters, so this
  path delivers the highest swapped fidelity ``1/4 + 3/4 prod(w)`` (memory decoherence and gate
  noise ignored: a run whose delivered pairs surely fall short of the path's price says so in its
  notes). Links with ``F <= 1/4`` are never used: as Werner pairs they carry no
  entanglement. A link near another Bell state (Psi+, say: entangled at a low fidelity toward
  Phi+) is not a Werner pair, and when no path is left the refusal names it.
  When a usable link is not a Werner pair (a hardware link's single-click state, a dephased
  ``bell_diagonal``), the Werner product can rank paths the wrong way round, so the path is the
  one of highest swapped fidelity by the Bell-diagonal closed form: with each link's correlations
  ``x = <XX>``, ``y = -<YY>``, ``z = <ZZ>`` (1, 1, 1 for Phi+), a swapped path has the products of
  its links' and ``F = (1 + prod x + prod y + prod z) / 4`` (searched exactly over simple paths, with
  a bound that prunes any path that cannot beat the best found; a search that stops at its limit
  returns the best path found and logs a warning saying so).

>>> from qnsim.specs import LinkSpec
>>> from qnsim.link_builder import build_link
>>> links = [build_link(LinkSpec(a=a, b=b, length_km=1.0, fidelity=f, rate_hz=r), None, None, i)
...          for i, (a, b, f, r) in enumerate([("a", "c", 0.8, 1e3), ("a", "b", 0.99, 1e2), ("b", "c", 0.99, 1e2)])]
>>> route(["a", "b", "c"], links, "a", "c"), route(["a", "b", "c"], links, "a", "c", "fidelity")
(['a', 'c'], ['a', 'b', 'c'])
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx

from qnsim import _core, _numerics
from qnsim.argument_checks import integer, ordered_sequence, written
from qnsim.link_builder import LinkInfo, link_list

__all__ = ["ROUTINGS", "route"]

_NAMES = ("Phi+", "Psi+", "Psi-", "Phi-")
_LOG = logging.getLogger("qnsim.routing")

#: Path metrics a request may route by (``routing=``), described in this module's docstring.
ROUTINGS: tuple[str, ...] = ("hops", "rate", "fidelity")


def route(
    nodes: Sequence[str] | Mapping[str, Any],
    links: Sequence[LinkInfo],
    src: str,
    dst: str,
    routing: str = "hops",
    memories_per_link: int | None = None,
) -> list[str]:
    """The path from ``src`` to ``dst`` under ``routing`` (see the module docstring).

    Args:
        nodes: Node names, in the order they were added (a list or tuple, or a mapping keyed by them, as
            ``Network.nodes``).
        links: The network's links, in the order they were added (a list or tuple).
        src: Source node.
        dst: Destination node.
        routing: ``"hops"``, ``"rate"`` or ``"fidelity"`` (checked by the request's spec).
        memories_per_link: The request's memories per side on each link (``"rate"`` only; None: the
            path's narrowest link's channels, the request's default).

    Returns:
        Node names from src to dst.

    Raises:
        ValueError: No path (naming the metric's restriction when there is one).
        TypeError: ``nodes`` or ``links`` in no fixed order (a set), read once (a generator) or of another kind.
    """
    if routing not in ROUTINGS:  # any other text was routed by hops
        raise ValueError(f"routing must be one of {', '.join(map(repr, ROUTINGS))}, got {written(routing)}")
    # Read here, for Network.route and a direct call alike: memories_per_link=0 raised ZeroDivisionError, -1 and
    # True were taken (as 'any link'), 10**5000 raised Python's printing limit.
    if memories_per_link is not None:
        # The request's declared range (its spec and the core state it): 0 was told "must be >= 1" here, before the
        # spec's "must be in [1, 1048576]" could.
        low, high = (int(bound) for bound in _core.RequestParams.ranges["memories_per_link"][1:-1].split(", "))
        memories_per_link = integer("memories_per_link", memories_per_link, minimum=low, maximum=high)
    # The order of both sets which of two equally short paths is taken (the graph is searched in it): a set of
    # links or nodes, in its hashes' order, routed a request on one path or the other from run to run, and a
    # string of node names was read letter by letter.
    if not isinstance(nodes, Mapping):
        ordered_sequence("nodes", nodes, "node names in the order they were added", "a list, tuple or dict")
    links = link_list("links", links, "a sequence of LinkInfo (Network.links) in the order they were added")
    g = nx.Graph()
    g.add_nodes_from(nodes)
    for end, name in (("src", src), ("dst", dst)):
        if not isinstance(name, str) or name not in g:
            known = ", ".join(map(str, g.nodes)) or "none"
            raise ValueError(f"{end} {written(name)} is not a node of the network (nodes: {known})")
    if routing == "rate":
        return _fastest(g, links, src, dst, memories_per_link)
    skipped: list[LinkInfo] = []
    for link in links:
        if routing == "hops":
            weight = 1.0
        else:
            w = (4.0 * link.fidelity - 1.0) / 3.0
            if w <= 0:
                skipped.append(link)
                continue
            weight = -_numerics.log(w)
        g.add_edge(link.a, link.b, weight=weight, link=link)
    try:
        if routing == "hops":
            return list(nx.shortest_path(g, src, dst))
        path = list(nx.dijkstra_path(g, src, dst, weight="weight"))
        if all(_is_werner(data["link"]) for _, _, data in g.edges(data=True)):
            return path  # the Werner product is the swapped fidelity's exact ranking
        return _highest_swapped_fidelity(g, src, dst, path)
    except nx.NetworkXNoPath:
        if routing != "fidelity":
            raise ValueError("no path of links between them (are they connected?)") from None
        # A link near Psi+ (0.8 Psi+, F = 0.1) is entangled, and two of them swap to F = 0.655: "no path"
        # alone would read as if they carried nothing.
        near = [lk for lk in skipped if max(lk.bell_diagonal) > 0.5]
        why = ""
        if near:
            named = ", ".join(
                f"{lk.a}-{lk.b} ({_NAMES[max(range(4), key=lambda k: lk.bell_diagonal[k])]} "
                f"{max(lk.bell_diagonal):.4g})"
                for lk in near[:3]
            )
            why = (
                f"; link(s) {named}{' ...' if len(near) > 3 else ''} are entangled near another Bell state than "
                "Phi+, which this metric (Werner pairs of their Phi+ fidelity) cannot price: give path= or "
                "routing='hops'"
            )
        raise ValueError(f"no path of links with link fidelity > 1/4 between them (are they connected?){why}") from None


def _fastest(g: nx.Graph, links: Sequence[LinkInfo], src: str, dst: str, memories: int | None) -> list[str]:
    """The ``"rate"`` path: least ``(1 / m) sum 1 / rate_hz`` with ``m`` memories per side on every link.

    A request holds the same ``m`` on each link of its path, by default the narrowest link's channels,
    so a link's spare channels deliver nothing to it and the weight is not a sum of per-link terms. For
    each candidate ``m`` (every channel count, or the given one), the links with at least ``m`` channels
    give a path of least ``sum 1 / rate_hz``; the best of these over ``m`` is the optimum (a path whose
    narrowest link has ``m*`` channels is met at ``m = m*`` and only counted worse at smaller ``m``).
    """
    counts = sorted({link.channels for link in links}) if memories is None else [memories]
    best: tuple[float, list[str]] | None = None
    for m in counts:
        h = nx.Graph()
        h.add_nodes_from(g.nodes)
        for link in links:
            if link.channels >= m:
                h.add_edge(link.a, link.b, weight=1.0 / link.rate_hz)
        try:
            length, path = nx.single_source_dijkstra(h, src, dst, weight="weight")
        except nx.NetworkXNoPath:
            continue
        if best is None or length / m < best[0]:
            best = (length / m, list(path))
    if best is None:
        extra = f" with {memories} or more channels" if memories is not None else ""
        raise ValueError(f"no path of links{extra} between them (are they connected?)")
    return best[1]


def _is_werner(link: LinkInfo) -> bool:
    """The link delivers a Werner pair: its Psi+, Psi- and Phi- weights are equal (to rounding)."""
    _, b, c, d = link.bell_diagonal
    return max(b, c, d) - min(b, c, d) <= 1e-12


def swapped_fidelity(links: Sequence[LinkInfo]) -> float:
    """The Phi+ fidelity ``(1 + prod x + prod y + prod z) / 4`` of a path's link pairs swapped end to end, as
    ``routing="fidelity"`` prices a path: the links' Bell-diagonal states as heralded, swaps without gate or
    readout noise, no memory decay and no purification (for Werner links, ``1/4 + 3/4 prod w``).

    >>> from qnsim.specs import LinkSpec
    >>> from qnsim.link_builder import build_link
    >>> round(swapped_fidelity([build_link(LinkSpec(a="a", b="b", length_km=1.0, fidelity=0.9, rate_hz=1e3),
    ...                                         None, None, 0)] * 2), 6)
    0.813333
    """
    px = py = pz = 1.0
    for link in links:
        x, y, z = _correlations(link)
        px, py, pz = px * x, py * y, pz * z
    return (1.0 + px + py + pz) / 4.0


def _correlations(link: LinkInfo) -> tuple[float, float, float]:
    """<XX>, -<YY>, <ZZ> of the link's Bell-diagonal pair (Phi+, Psi+, Psi-, Phi-): each is 1 for Phi+, and a swap
    (corrected to Phi+) multiplies the two pairs' values."""
    a, b, c, d = link.bell_diagonal
    return a + b - c - d, a - b + c - d, a - b - c + d


#: Partial paths the exact fidelity search may extend before it returns the best path found (with a warning).
_MAX_EXPANSIONS = 200_000


def _highest_swapped_fidelity(g: nx.Graph, src: str, dst: str, start: list[str]) -> list[str]:
    """The simple path from src to dst of highest swapped Phi+ fidelity ``(1 + prod x + prod y + prod z) / 4``
    (the module docstring), by depth-first branch and bound from the Werner metric's path ``start``.

    A path's products can only shrink in magnitude as links are added, and from a node v no completion multiplies
    its x product by more than ``reach_x[v]``, the largest product of |x| over paths v -> dst (a Dijkstra on
    -log |x|; likewise y and z): a partial path whose ``(1 + |x| reach_x + |y| reach_y + |z| reach_z) / 4`` is not
    above the best fidelity found is dropped. Ties keep the earlier path (the Werner one, then search order: deterministic).
    """
    corr = {frozenset((u, v)): _correlations(data["link"]) for u, v, data in g.edges(data=True)}

    reach = []  # per correlation: node -> the largest |product| over paths node -> dst (absent: no such path)
    for k in range(3):
        h = nx.Graph()
        h.add_nodes_from(g.nodes)
        for key, values in corr.items():
            if values[k] != 0:
                u, v = tuple(key)
                h.add_edge(u, v, weight=-_numerics.log(min(abs(values[k]), 1.0)))
        reach.append({v: _numerics.exp(-d) for v, d in nx.single_source_dijkstra_path_length(h, dst).items()})
    reach_x, reach_y, reach_z = reach
    best_path, best = start, swapped_fidelity([g.edges[u, v]["link"] for u, v in zip(start, start[1:])])
    margin = 1e-12  # products taken in another order differ in their last bits
    path, on_path = [src], {src}
    stack = [(iter(g.adj[src]), 1.0, 1.0, 1.0)]
    expansions = 0
    while stack:
        neighbours, px, py, pz = stack[-1]
        nxt = next(neighbours, None)
        if nxt is None:
            stack.pop()
            on_path.discard(path.pop())
            continue
        if nxt in on_path:
            continue
        x, y, z = corr[frozenset((path[-1], nxt))]
        qx, qy, qz = px * x, py * y, pz * z
        if nxt == dst:
            f = (1.0 + qx + qy + qz) / 4.0
            if f > best + margin:
                best_path, best = path + [dst], f
            continue
        bound = abs(qx) * reach_x.get(nxt, 0.0) + abs(qy) * reach_y.get(nxt, 0.0) + abs(qz) * reach_z.get(nxt, 0.0)
        if (1.0 + bound) / 4.0 <= best + margin:
            continue
        expansions += 1
        if expansions > _MAX_EXPANSIONS:
            _LOG.warning(
                "routing='fidelity' from %s to %s: the links are not all Werner pairs and the exact search stopped "
                "after %d partial paths; the path taken (swapped F = %.6g by the Bell-diagonal closed form) is the "
                "best found, not proven the best: give path= to choose one", src, dst, _MAX_EXPANSIONS, best,
            )
            break
        path.append(nxt)
        on_path.add(nxt)
        stack.append((iter(g.adj[nxt]), qx, qy, qz))
    return list(best_path)
