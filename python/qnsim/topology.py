"""Topology builders: chains, rings, grids, stars, dumbbells and any networkx graph.

Each builder returns a configured :class:`qnsim.Network` (or adds to the one passed as
``network``). Keyword arguments other than the shape are *defaults* for every node and link:
node keywords of :meth:`qnsim.Network.add_node` (``role``, ``num_memories``, ``t1_s``,
``t2_s``, ``gate2_error`` ...), link keywords of :meth:`qnsim.Network.add_link`
(``length_km``, ``channels``, ``fidelity``, ``rate_hz``, ``scheme`` ...) and ``preset``: a
hardware preset (object or name) for the nodes, whose links then use its link hardware
unless they are given an abstract ``fidelity`` / ``rate_hz``.

Unless ``num_memories`` is given, each node gets exactly the memories its links reserve (the
sum of their ``channels``), so a grid node with four links of 2 channels has 8 memories; this
holds for preset hardware too (its own memory count is replaced).

Node names are stable strings:

========== ===========================================================================
builder    names
========== ===========================================================================
chain      ``n0`` ... ``n{n-1}`` (ends are ``qpu``, the rest ``repeater``)
ring       ``n0`` ... ``n{n-1}`` (all ``qpu``)
grid       ``r{row}c{col}``, e.g. ``r0c1`` (all ``qpu``)
star       ``hub`` (``repeater``) and ``leaf0`` ... ``leaf{n-1}`` (``qpu``)
dumbbell   ``l0``.. and ``r0``.. (``qpu``), hubs ``hub_l`` / ``hub_r`` and bridge repeaters
           ``bridge0`` ... ``bridge{bridge_hops-2}`` between them (``repeater``)
========== ===========================================================================

A ``prefix`` is prepended to every name (to add several topologies to one network).

>>> import qnsim
>>> net = qnsim.topology.grid(2, 3, length_km=5.0, fidelity=0.95, rate_hz=1e3, seed=1)
>>> len(net.nodes), len(net.links), net.to_networkx().nodes["r1c1"]["num_memories"]
(6, 7, 3)
>>> _ = net.request("r0c0", "r1c2", num_pairs=2)
>>> net.run(until_s=1.0).requests[0].status
'served'
"""

from __future__ import annotations

from typing import Any, Callable

import networkx as nx
import numpy as np

from qnsim import _core
from qnsim.argument_checks import is_integer, shown, unknown_keys, written
from qnsim.network import Network
from qnsim.specs import (
    LinkSpec,
    NodeSpec,
    ParameterError,
    build,
    check_value,
    did_you_mean,
    parameter_error,
    relocated,
    spec_fields,
)

_ABSTRACT = ("fidelity", "bell_diagonal", "rate_hz", "success_probability")

__all__ = ["BUILDERS", "SHAPES", "chain", "dumbbell", "from_graph", "grid", "ring", "star", "topology_keys"]


def _keys() -> tuple[set[str], set[str]]:
    node = {f.name for f in spec_fields(NodeSpec)} - {"name"} | {"hardware"}
    link = {f.name for f in spec_fields(LinkSpec)} - {"a", "b"}
    return node, link


def topology_keys() -> list[str]:
    """The node and link parameters a builder takes as defaults (spec fields, and ``preset``).

    Example:
        >>> "length_km" in topology_keys() and "t2_s" in topology_keys()
        True
    """
    node = [f.name for f in spec_fields(NodeSpec) if f.toml and f.name != "name"]
    link = [f.name for f in spec_fields(LinkSpec) if f.toml and f.name not in ("a", "b", "preset")]
    return node + ["preset"] + link


def from_graph(
    graph: nx.Graph,
    *,
    network: Network | None = None,
    formalism: str | None = None,
    seed: int | None = None,
    prefix: str = "",
    **defaults: Any,
) -> Network:
    """A network (or more of one) from a networkx graph whose attributes carry the parameters.

    Node attributes are :meth:`qnsim.Network.add_node` keywords (``role``, ``hardware`` or its
    alias ``preset``, ``num_memories``, ``t1_s``, ``t2_s`` ...); edge attributes are
    :meth:`qnsim.Network.add_link` keywords (``length_km``, ``channels``, ``fidelity``,
    ``rate_hz``, ``scheme``, ``preset`` ...). ``defaults`` fill in what an element lacks:
    node keywords go to every node, link keywords to every link, and ``preset`` is the node
    hardware (links then follow the preset unless they are abstract). ``length_km`` must come
    from an edge or the defaults. Node names are converted with ``str``; unknown attributes are
    errors naming the node or edge, so a typo does not fall back to a default silently.

    Args:
        graph: An undirected networkx graph. Its nodes, in their order (the order they were added), become the
            network's nodes in that order, and its edges its links ordered by their ends' places in it (the
            link of the first and second node, then the first and third...), whatever the order or
            direction the edges were added in. A node and a link draw from random streams numbered by
            that order, so the same graph with its nodes added in another order runs otherwise for the
            same seed (see "Randomness and determinism" in the concepts page). It must have at least one
            node; a node without edges becomes a node without links (give it links later with
            :meth:`qnsim.Network.add_link`).
        network: Add to this network instead of making a new one (a ``formalism`` or ``seed`` given then must be
            the network's own: the network keeps its own).
        formalism: As for :class:`qnsim.Network` (None: ``"density_matrix"``).
        seed: As for :class:`qnsim.Network`.
        prefix: Prepended to every node name.
        **defaults: Node and link keyword defaults (see above).

    Returns:
        The network.

    Raises:
        ValueError: A graph without nodes, an unknown attribute or default (with a suggestion), missing
            ``length_km``, or an invalid value (the message names the node or link).

    Example:
        >>> import networkx as nx
        >>> g = nx.Graph()
        >>> g.add_edge("a", "b", length_km=5.0, fidelity=0.99)
        >>> g.add_edge("b", "c", fidelity=0.9, channels=2)
        >>> g.nodes["b"]["role"] = "repeater"
        >>> net = from_graph(g, length_km=20.0, rate_hz=1e3)
        >>> [(l.a, l.b, l.length_km, l.channels) for l in net.links]
        [('a', 'b', 5.0, 1), ('b', 'c', 20.0, 2)]
        >>> net.nodes["b"].role, net.to_networkx().nodes["b"]["num_memories"]
        ('repeater', 3)
    """
    if not isinstance(graph, nx.Graph):
        raise TypeError(f"graph must be a networkx graph, got {written(graph)}")
    if graph.number_of_nodes() == 0:
        # An empty graph returned a network of 0 nodes (or left the given one as it was) without a word: a graph
        # built or filtered wrongly upstream ran on as a network that can do nothing.
        raise ValueError("graph has no nodes (0 nodes, 0 edges); a network needs at least 1 node")
    node_keys, link_keys = _keys()
    node_keys = node_keys | {"preset"}
    node_defaults, link_defaults = _split_defaults(defaults)
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string, got {written(prefix)}")
    if prefix[:1].isspace():
        # Node names do not start with spaces (argument_checks.label): named here, not as each node's 'name'.
        raise ValueError(f"prefix must not start with spaces (node names do not), got {written(prefix)}")
    if not prefix.isprintable():
        # Nor hold a line break or a control character (label's rule, which a prefix "t " ending in a space passes
        # only as part of a name): refused as the prefix, not as "node 'a\nn0': name ...", a name never given.
        raise ValueError(
            f"prefix must be printable text without line breaks or control characters, got {written(prefix)}"
        )

    def name(n: Any) -> str:
        return f"{prefix}{n}"

    # Two graph nodes that print alike (1 and "1") would be one network node: refused by name, not as
    # "node '1' already exists" (a node the graph holds once).
    named: dict[str, Any] = {}
    for n in graph.nodes:
        if isinstance(n, (bool, np.bool_)):
            # networkx keys nodes by hash and ==: True is the node 1 (and False the node 0), so edges written to
            # True and to 1 meet at one node, named "True" or "1" by whichever came first.
            raise ValueError(
                f"graph node {written(n)} is a bool, which networkx takes for the node {int(n)} ({written(n)} == "
                f"{int(n)}); "
                "label nodes with strings or integers"
            )
        other = named.setdefault(name(n), n)
        if other is not n and other != n:
            raise ValueError(
                f"graph nodes {written(other)} and {written(n)} would both be named {written(name(n))}; "
                "relabel one of them"
            )

    # Links are numbered (their random streams, and with them every draw of a run, follow this number) by their
    # ends' places in the node order, not in the order networkx lists the edges: that follows each node's
    # neighbours in the order the edges were added, so one topology with its edges added in another order ran
    # otherwise for the same seed.
    place = {n: i for i, n in enumerate(graph.nodes)}
    edges = []
    for u, v, attrs in sorted(
        graph.edges(data=True), key=lambda e: (min(place[e[0]], place[e[1]]), max(place[e[0]], place[e[1]]))
    ):
        unknown = unknown_keys(attrs, link_keys)
        if unknown:
            raise ValueError(
                f"link {written(name(u))}-{written(name(v))}: unknown attribute {written(unknown[0])}"
                f"{did_you_mean(unknown[0], link_keys)} (add_link keywords)"
            )
        merged = dict(link_defaults)
        # An edge that describes itself does not inherit a conflicting default description.
        if "preset" in attrs or "link_model" in attrs:
            for k in _ABSTRACT:
                merged.pop(k, None)
        if "fidelity" in attrs:
            merged.pop("bell_diagonal", None)
        if "bell_diagonal" in attrs:
            merged.pop("fidelity", None)
        merged.update(attrs)
        if "length_km" not in merged:
            raise ValueError(
                f"link {written(name(u))}-{written(name(v))}: no length_km (give it as an edge attribute or a default)"
            )
        edges.append((name(u), name(v), merged))

    if network is not None and not isinstance(network, Network):
        raise TypeError(f"network must be a qnsim.Network to add to (or None for a new one), got {written(network)}")
    if network is not None:
        # They were ignored: chain(3, network=net, formalism="stabilizer") built density-matrix nodes, as net was.
        other = [
            f"{key}={written(value)}, not the network's {written(own)}"
            for key, value, own in (("formalism", formalism, network.formalism), ("seed", seed, network.seed))
            if value is not None and value != own
        ]
        if other:
            raise ValueError(
                f"{' and '.join(other)}: the network given keeps its own; leave it out, or leave network out to make "
                "a new one"
            )
    # Every link's parameters are checked (as add_link checks them) before any node is added: the node
    # sizes below read each link's channels, which int() read as "cannot convert float NaN to integer"
    # naming no link, and a bad link found after the nodes were added left them in the caller's network.
    channels_at: dict[str, int] = {}
    specs = []
    for u, v, attrs in edges:
        try:
            spec = build(LinkSpec, {**attrs, "a": u, "b": v})
        except ParameterError as exc:
            raise relocated(exc, f"link {written(u)}-{written(v)}") from None
        specs.append(spec)
        for end in (u, v):
            channels_at[end] = channels_at.get(end, 0) + spec.channels

    net = network if network is not None else Network("density_matrix" if formalism is None else formalism, seed)
    clash = [name(n) for n in graph.nodes if name(n) in net.nodes]
    if clash:
        raise ValueError(f"node {written(clash[0])} already exists in the network (give a prefix)")
    if network is not None:
        # The graph is built first on a scratch network, by add_node and add_link themselves (every check, the
        # native ones too), and only then added to the caller's: a node refused for a bad attribute (t2_s = -1),
        # or a link for what only the whole link shows (rate_hz = 9.2e18: an attempt period below 1 ps), left
        # the nodes and links before it in the network, and adding the corrected graph said "node 'c' already
        # exists".
        _add_graph(Network(net.formalism, 0), graph, name, node_defaults, node_keys, channels_at, specs)
    _add_graph(net, graph, name, node_defaults, node_keys, channels_at, specs)
    return net


def _split_defaults(defaults: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A topology's defaults as (node defaults, link defaults); an unknown key is refused with a did-you-mean."""
    node_keys, link_keys = _keys()
    node_keys = node_keys | {"preset"}
    for key in defaults:
        if key not in node_keys and key not in link_keys:
            raise ValueError(
                f"unknown topology default {written(key)}{did_you_mean(key, node_keys | link_keys)} "
                "(add_node / add_link keywords)"
            )
    if "preset" in defaults and "hardware" in defaults:
        raise ValueError("give preset or hardware as a topology default, not both")
    node_defaults = {k: v for k, v in defaults.items() if k in node_keys and k != "preset"}
    if "preset" in defaults:
        node_defaults["hardware"] = defaults["preset"]
    link_defaults = {k: v for k, v in defaults.items() if k in link_keys and k != "preset"}
    return node_defaults, link_defaults


def _add_graph(
    net: Network,
    graph: Any,
    name: Callable[[Any], str],
    node_defaults: dict[str, Any],
    node_keys: set[str],
    channels_at: dict[str, int],
    specs: list[LinkSpec],
) -> None:
    """Adds ``graph``'s nodes to ``net`` with their attributes over ``node_defaults``, then its links (``specs``)."""
    for n, attrs in graph.nodes(data=True):
        attrs = dict(attrs)
        if "preset" in attrs:
            if "hardware" in attrs:
                raise ValueError(f"node {written(name(n))}: give preset or hardware, not both")
            attrs["hardware"] = attrs.pop("preset")
        unknown = unknown_keys(attrs, node_keys)
        if unknown:
            raise ValueError(
                f"node {written(name(n))}: unknown attribute {written(unknown[0])}"
                f"{did_you_mean(unknown[0], node_keys)} (add_node keywords)"
            )
        merged = {**node_defaults, **attrs}
        if merged.get("hardware") is not None:
            # Hardware fixes a memory count; size it to the links instead. Without hardware the
            # node is sized to its links when the network is built (later links included).
            merged.setdefault("num_memories", max(1, channels_at.get(name(n), 0)))
        net.add_node(name(n), **merged)
    for spec in specs:
        net._add_link_spec(spec)


def chain(n: int, **kwargs: Any) -> Network:
    """A linear repeater chain ``n0 - n1 - ... - n{n-1}``.

    Args:
        n: Number of nodes (>= 2). The two ends have role ``qpu``, the others ``repeater``.
        **kwargs: ``network``, ``formalism``, ``seed``, ``prefix`` and node/link defaults, as
            for :func:`from_graph`.

    Example:
        >>> net = chain(4, length_km=10.0, fidelity=0.98, rate_hz=100.0)
        >>> [l.a + "-" + l.b for l in net.links], net.nodes["n1"].role
        (['n0-n1', 'n1-n2', 'n2-n3'], 'repeater')
    """
    n = _check_count("chain", "n", n, 2)
    _check_shape("chain", n - 1, f"n={n}", n, kwargs)
    g = nx.Graph()
    for i in range(n):
        g.add_node(f"n{i}", role="qpu" if i in (0, n - 1) else "repeater")
    g.add_edges_from((f"n{i}", f"n{i + 1}") for i in range(n - 1))
    return _build(g, kwargs)


def ring(n: int, **kwargs: Any) -> Network:
    """A ring ``n0 - n1 - ... - n{n-1} - n0`` of ``qpu`` nodes.

    Args:
        n: Number of nodes (>= 3).
        **kwargs: As for :func:`chain`.

    Example:
        >>> net = ring(5, length_km=1.0, fidelity=0.9, rate_hz=10.0)
        >>> len(net.links), net.link("n4", "n0").length_km
        (5, 1.0)
    """
    n = _check_count("ring", "n", n, 3)
    _check_shape("ring", n, f"n={n}", n, kwargs)
    g = nx.Graph()
    g.add_nodes_from((f"n{i}", {"role": "qpu"}) for i in range(n))
    g.add_edges_from((f"n{i}", f"n{(i + 1) % n}") for i in range(n))
    return _build(g, kwargs)


def grid(rows: int, cols: int, **kwargs: Any) -> Network:
    """A rectangular grid of ``qpu`` nodes ``r{row}c{col}``, each linked to its 4 neighbours.

    Nodes are added row by row; links first along rows, then along columns.

    Args:
        rows: Rows (>= 1).
        cols: Columns (>= 1); rows * cols >= 2.
        **kwargs: As for :func:`chain`.

    Example:
        >>> net = grid(3, 3, length_km=2.0, fidelity=0.95, rate_hz=1e3, channels=2)
        >>> memories = net.to_networkx().nodes(data="num_memories")
        >>> len(net.nodes), len(net.links), memories["r1c1"], memories["r0c0"]
        (9, 12, 8, 4)
    """
    rows = _check_count("grid", "rows", rows, 1)
    cols = _check_count("grid", "cols", cols, 1)
    if rows * cols < 2:
        raise ValueError(f"grid needs at least 2 nodes, got rows={rows}, cols={cols}")
    _check_shape("grid", rows * (cols - 1) + (rows - 1) * cols, f"rows={rows}, cols={cols}", rows * cols, kwargs)
    g = nx.Graph()
    g.add_nodes_from((f"r{r}c{c}", {"role": "qpu"}) for r in range(rows) for c in range(cols))
    g.add_edges_from((f"r{r}c{c}", f"r{r}c{c + 1}") for r in range(rows) for c in range(cols - 1))
    g.add_edges_from((f"r{r}c{c}", f"r{r + 1}c{c}") for r in range(rows - 1) for c in range(cols))
    return _build(g, kwargs)


def star(n_leaves: int, **kwargs: Any) -> Network:
    """A star: a ``hub`` repeater linked to ``leaf0`` ... ``leaf{n_leaves-1}`` (``qpu``).

    Args:
        n_leaves: Number of leaves (>= 1).
        **kwargs: As for :func:`chain`.

    Example:
        >>> net = star(4, preset="nv_near_term", length_km=3.0)
        >>> net.nodes["hub"].role, net.nodes["hub"].num_memories, len(net.links)
        ('repeater', 4, 4)
    """
    n_leaves = _check_count("star", "n_leaves", n_leaves, 1)
    _check_shape("star", n_leaves, f"n_leaves={n_leaves}", n_leaves + 1, kwargs)
    g = nx.Graph()
    g.add_node("hub", role="repeater")
    g.add_nodes_from((f"leaf{i}", {"role": "qpu"}) for i in range(n_leaves))
    g.add_edges_from(("hub", f"leaf{i}") for i in range(n_leaves))
    return _build(g, kwargs)


def dumbbell(n_left: int, n_right: int, bridge_hops: int = 1, **kwargs: Any) -> Network:
    """Two stars joined through their hubs by a chain of ``bridge_hops`` links.

    Left leaves ``l0``.. hang off ``hub_l``, right leaves ``r0``.. off ``hub_r``; the hubs are
    linked directly (``bridge_hops=1``) or through repeaters ``bridge0`` ... The bridge is the
    bottleneck that left-right requests contend for.

    Args:
        n_left: Leaves on the left (>= 1).
        n_right: Leaves on the right (>= 1).
        bridge_hops: Links between the two hubs (>= 1).
        **kwargs: As for :func:`chain`.

    Example:
        >>> net = dumbbell(2, 3, bridge_hops=2, length_km=1.0, fidelity=0.95, rate_hz=1e3)
        >>> len(net.nodes), len(net.links)
        (8, 7)
        >>> [n for n in net.nodes if not n[0] in "lr"]
        ['hub_l', 'hub_r', 'bridge0']
    """
    n_left = _check_count("dumbbell", "n_left", n_left, 1)
    n_right = _check_count("dumbbell", "n_right", n_right, 1)
    bridge_hops = _check_count("dumbbell", "bridge_hops", bridge_hops, 1)
    _check_shape(
        "dumbbell",
        n_left + n_right + bridge_hops,
        f"n_left={n_left}, n_right={n_right}, bridge_hops={bridge_hops}",
        n_left + n_right + bridge_hops + 1,
        kwargs,
    )
    bridge = ["hub_l"] + [f"bridge{i}" for i in range(bridge_hops - 1)] + ["hub_r"]
    h = nx.Graph()
    h.add_nodes_from((f"l{i}", {"role": "qpu"}) for i in range(n_left))
    h.add_nodes_from((f"r{i}", {"role": "qpu"}) for i in range(n_right))
    h.add_nodes_from((b, {"role": "repeater"}) for b in ["hub_l", "hub_r"] + bridge[1:-1])
    h.add_edges_from((f"l{i}", "hub_l") for i in range(n_left))
    h.add_edges_from((f"r{i}", "hub_r") for i in range(n_right))
    h.add_edges_from(zip(bridge, bridge[1:]))
    return _build(h, kwargs)


BUILDERS: dict[str, Callable[..., Network]] = {
    "chain": chain,
    "ring": ring,
    "grid": grid,
    "star": star,
    "dumbbell": dumbbell,
}
"""Builders by name, as a scenario's ``[topology]`` table names them."""


SHAPES: dict[str, tuple[str, ...]] = {
    "chain": ("n",),
    "ring": ("n",),
    "grid": ("rows", "cols"),
    "star": ("n_leaves",),
    "dumbbell": ("n_left", "n_right", "bridge_hops"),
}
"""Each builder's shape arguments (``bridge_hops`` is optional)."""


def _check_count(builder: str, name: str, value: Any, minimum: int) -> int:
    """``value`` as a Python int of at least ``minimum``: the shape's arithmetic must not wrap around as NumPy
    integers do (dumbbell(2, np.uint64(2**64 - 1)) counted 2 links and then built without end)."""
    if is_integer(value) and value < minimum:  # type: ignore[operator]
        # The shape's own bound, also before integer()'s 64-bit range: chain(-10**400) was told "n is beyond a 64-bit
        # integer", chain(-5) "must be >= 2 for a chain".
        raise parameter_error(name, f"must be >= {minimum} for a {builder}, got {shown(value)}")
    if is_integer(value) and value > MAX_LINKS + 1:  # type: ignore[operator]
        # Any one count above MAX_LINKS + 1 makes more links than a network holds, whatever the others: the builder's
        # _check_links says how many, before integer()'s 64-bit range (chain(2**64) was told "n is beyond a 64-bit
        # integer", chain(10**12) the links).
        if int(value).bit_length() > 128:  # type: ignore[call-overload]
            # Past 128 bits the shape's arithmetic and its message (chain(10**5000): Python's "Exceeds the limit (4300
            # digits) for integer string conversion") are refused with the links a network holds.
            raise parameter_error(
                name, f"makes more links than the {MAX_LINKS:,} a network holds, got {shown(value)} for a {builder}"
            )
        return int(value)  # type: ignore[call-overload]
    count = check_value(name, int, value)
    if count < minimum:
        raise parameter_error(name, f"must be >= {minimum} for a {builder}, got {written(value)}")
    return count


#: Links a network can hold: each takes at least 2 of the native network's memory slots.
MAX_LINKS = _core.MAX_SLOTS // 2


#: Peak memory of building a network in Python, per link and per node (its graph, specs, LinkInfo and native
#: records), measured on chains of 10^5 and 4 x 10^5 nodes (4.04 kB a link with its node) and a 300 x 300 grid
#: (179,400 links, 90,000 nodes: 581 MB): about 2.4 kB a link and 1.6 kB a node.
BUILD_BYTES_PER_LINK = 2_400
BUILD_BYTES_PER_NODE = 1_600


def _check_shape(builder: str, links: int, shape: str, nodes: int, kwargs: dict[str, Any]) -> None:
    """Every builder's one check before it builds its graph: its size (:func:`_check_links`), then its link defaults,
    which every link of a builder's graph takes as they are. Checked per link after the graph was built, a missing
    ``length_km`` was refused only once the whole graph existed (``star(2**17)`` took a minute under load before
    saying so) and named neither the builder nor its arguments ("link 'hub'-'leaf0': no length_km")."""
    _check_links(builder, links, shape, nodes)
    defaults = {k: v for k, v in kwargs.items() if k not in ("network", "formalism", "seed", "prefix")}
    _, link_defaults = _split_defaults(defaults)
    if "length_km" not in link_defaults:
        raise ValueError(
            f"{builder}({shape}) has no length_km for its links: give it as a keyword, "
            f"e.g. {builder}(..., length_km=10.0) (the fiber length of every link, in km)"
        )
    try:
        build(LinkSpec, {**link_defaults, "a": "a", "b": "b"})
    except ParameterError as exc:
        raise relocated(exc, f"{builder}({shape}), every link") from None


def _check_links(builder: str, links: int, shape: str, nodes: int) -> None:
    """Refuses a shape whose links could never fit, before building its graph (which, for
    ``chain(10**12)``, would take hours and all memory before the native network refused it), and one whose build
    would take more memory than this process may use: ``chain(10**7)`` (about 40 GB) was killed by the kernel
    without a word after minutes of building."""
    need = links * BUILD_BYTES_PER_LINK + nodes * BUILD_BYTES_PER_NODE
    if links > MAX_LINKS:
        # With the memory the build would take: chain(10**9) was told the links a network holds alone, not that it
        # asked for some 4,000 GB.
        raise ParameterError(
            f"{builder}({shape}) has {links:,} links, more than the {MAX_LINKS:,} a network holds "
            f"(each link takes 2 memory slots of {_core.MAX_SLOTS:,}); building it would also take about "
            f"{need / 1e9:.3g} GB of memory"
        )
    from qnsim.trace import _memory_limit_bytes

    memory, memory_name = _memory_limit_bytes()
    if memory is not None and need > memory:
        raise ParameterError(
            f"{builder}({shape}) has {nodes:,} nodes and {links:,} links: building them takes about "
            f"{need / 1e9:.3g} GB of memory (about {BUILD_BYTES_PER_LINK / 1e3:g} kB a link and "
            f"{BUILD_BYTES_PER_NODE / 1e3:g} kB a node), more than {memory_name}, {memory / 1e9:.3g} GB"
        )


def _build(g: nx.Graph, kwargs: dict[str, Any]) -> Network:
    return from_graph(g, **kwargs)
