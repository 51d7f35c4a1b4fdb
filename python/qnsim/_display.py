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
        return f"<b>{escaped}</b>" if text.startswith(("NOT ENTANGLED", "dropped", "no pair")) else escaped

    return "<ul>" + "".join(f"<li>{one(t)}</li>" for t in items) + "</ul>"


def title(text: str) -> str:
    """A bold first line.

    Example:
        >>> title("a < b")
        '<p><b>a &lt; b</b></p>'
    """
    return f"<p><b>{html.escape(text)}</b></p>"
