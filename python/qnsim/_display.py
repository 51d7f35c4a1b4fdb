"""Small HTML pieces for the ``_repr_html_`` of networks, results and reports (Jupyter).

Everything is escaped; long tables are cut to their first rows with a line saying how many
were left out, so a 10,000-node network or a 10,000-pair result renders instantly.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

MAX_ROWS = 20


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, max_rows: int = MAX_ROWS, total: int | None = None
) -> str:
    """An HTML table of ``rows`` (at most ``max_rows``; ``total`` is how many exist).

    Example:
        >>> print(table(["a"], [[1], [2], [3]], max_rows=2).replace("><", ">\\n<"))
        <table>
        <thead>
        <tr>
        <th>a</th>
        </tr>
        </thead>
        <tbody>
        <tr>
        <td>1</td>
        </tr>
        <tr>
        <td>2</td>
        </tr>
        </tbody>
        </table>
        <p>... and 1 more</p>
    """
    total = len(rows) if total is None else total
    shown = list(rows[:max_rows])
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in shown)
    more = f"<p>... and {total - len(shown)} more</p>" if total > len(shown) else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def pairs(rows: Sequence[tuple[str, Any]]) -> str:
    """A two-column HTML table of (label, value) rows.

    Example:
        >>> print(pairs([("rate", "1 kHz")]).replace("><", ">\\n<"))
        <table>
        <tbody>
        <tr>
        <th style="text-align:left">rate</th>
        <td style="text-align:left">1 kHz</td>
        </tr>
        </tbody>
        </table>
    """
    left = 'style="text-align:left"'
    body = "".join(
        f"<tr><th {left}>{html.escape(str(k))}</th><td {left}>{html.escape(str(v))}</td></tr>" for k, v in rows
    )
    return f"<table><tbody>{body}</tbody></table>"


def notes(items: Sequence[str]) -> str:
    """Notes as an HTML list; warnings (NOT ENTANGLED, dropped) in bold.

    Example:
        >>> notes(["NOT ENTANGLED: x"])
        '<ul><li><b>NOT ENTANGLED: x</b></li></ul>'
    """
    if not items:
        return ""

    def one(text: str) -> str:
        escaped = html.escape(text)
        warning = text.startswith(("NOT ENTANGLED", "PARTLY ENTANGLED", "dropped", "no pair"))
        return f"<b>{escaped}</b>" if warning else escaped

    return "<ul>" + "".join(f"<li>{one(t)}</li>" for t in items) + "</ul>"


def title(text: str) -> str:
    """A bold first line.

    Example:
        >>> title("a < b")
        '<p><b>a &lt; b</b></p>'
    """
    return f"<p><b>{html.escape(text)}</b></p>"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def network_repr(network: Any) -> str:
    """The one-line ``repr`` of a :class:`qnsim.Network` (see its ``__repr__``)."""
    from qnsim.results import _eng

    text = (
        f"Network({network.formalism}, seed {network.seed}, {_count(len(network.nodes), 'node')}, "
        f"{_count(len(network.links), 'link')}, {_count(len(network.requests), 'request')}, "
        f"at {_eng(network.now_s, 's')}"
    )
    if 0 < len(network.links) <= 4:
        text += "; links " + ", ".join(
            f"{k.a}-{k.b} {k.length_km:g} km F={k.fidelity:.4f} {_eng(k.rate_hz, 'Hz')}" for k in network.links
        )
    if 0 < len(network.requests) <= 4:
        text += "; requests " + ", ".join(f"{r.index} {r.label}" for r in network.requests)
    return text + ")"


def network_html(network: Any) -> str:
    """The ``_repr_html_`` of a :class:`qnsim.Network`: nodes, links and requests as tables."""
    from qnsim.results import _eng

    nodes = [
        [n.name, n.role, n.num_memories if n.num_memories is not None else "auto", _eng(n.t1_s, "s"),
         _eng(n.t2_s, "s"), f"{n.gate2_error:g}", n.preset.name if n.preset is not None else ""]
        for n in list(network.nodes.values())[:MAX_ROWS]
    ]  # fmt: skip
    links = [
        [f"{k.a} - {k.b}", f"{k.length_km:g} km", k.channels, f"{k.success_probability:.3g}",
         _eng(k.attempt_period_s, "s"), _eng(k.rate_hz, "Hz"), f"{k.fidelity:.4f}"]
        for k in network.links[:MAX_ROWS]
    ]  # fmt: skip
    requests = [
        [f"{r.index} {r.label}", " - ".join(r.path), r.num_pairs if r.num_pairs is not None else "until the end",
         r.purification or "", r.purification_rounds, _eng(r.cutoff_s, "s") if r.cutoff_s else ""]
        for r in network.requests[:MAX_ROWS]
    ]  # fmt: skip
    parts = [title(repr(network).split(";")[0].rstrip(")") + ")")]
    parts.append(table(["node", "role", "memories", "T1", "T2", "gate2 error", "preset"], nodes,
                       total=len(network.nodes)))  # fmt: skip
    if links:
        parts.append(table(["link", "length", "channels", "p/attempt", "period", "rate/channel", "fidelity"],
                           links, total=len(network.links)))  # fmt: skip
    if requests:
        parts.append(table(["request", "path", "pairs", "purification", "rounds", "cutoff"], requests,
                           total=len(network.requests)))  # fmt: skip
    return "".join(parts)
