"""Side-by-side comparison of simulated requests: two policies, a repeater or not, purification on or off.

A researcher's next step after one run is another run to compare it with. Each :class:`qnsim.RequestResult`
knows its rate's 95% interval and its fidelity's; :func:`compare_results` puts several side by side against
a baseline, with the rate ratio and the fidelity difference each given their own 95% interval, and says
whether the difference is larger than the runs' noise, so that 4,333 against 4,285 pairs/s is not read as a
change.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qnsim import _numerics
from qnsim._row_notes import join_notes
from qnsim.argument_checks import flag, name_key, reads_as, texts, written
from qnsim.argument_checks import label as checked_label

# _Z975, the normal 97.5% quantile: the rate ratio's and the fidelity difference's intervals are 95% ones.
from qnsim.results import _Z975, NetworkResult, RequestResult, _ci, _eng, rate_not_measured

__all__ = ["Comparison", "compare_results"]

#: What the comparison's columns are, said under its table.
#: Rows on a fixed schedule print "exact" and add no sampling spread to a ratio, only their count's one pair either way
#: (the table read "Poisson" above them).
#: The figures of a row that the table reads (a row built by hand may lack them: not known).
_FIGURES = ("rate_hz", "rate_hz_low", "rate_hz_high", "window_s", "mean_fidelity", "fidelity_ci95", "rate_ratio",
            "rate_ratio_low", "rate_ratio_high", "fidelity_difference", "fidelity_difference_ci95")
_LEGEND = (
    "rate 95%: Poisson interval of each count, or exact (deliveries on a fixed schedule, no sampling noise); rate vs "
    "baseline: ratio of the rates, 95% interval of the ratio of two Poisson counts (an exact rate adds no sampling "
    "spread, only its count's one pair either way: the window's edges cut a delivery period); "
    "F - baseline: +- the two 95% half-widths in quadrature"
)

#: Below this a fidelity difference is the rounding of two exact means (bell_diagonal holds 1 - F to ~1e-16).
_ROUNDING = 1e-12


def _rate_ratio(r: RequestResult, base: RequestResult) -> tuple[float, float, float]:
    """The ratio of two requests' rates and its 95% interval (low, high).

    Each rate is read as a Poisson count over its window: log(ratio) has the standard error
    sqrt(1/n + 1/n_base). A rate that is exact (a fixed schedule) adds no sampling noise, but its count is
    known only to a delivery: the window's edges cut a delivery period, so the same schedule counted from
    another start or over another span gives n - 1 or n + 1 pairs; its side of the interval is widened by that
    pair ((n - 1)/n to (n + 1)/n). Without it two exact rates of one schedule, 1,000 and 999 pairs in 1 s,
    read "lower rate" x0.999 [0.999, 0.999], a difference the schedules do not have.

    A window without pairs has no log-ratio: its side is its own 95% bound (:func:`_rate_bounds`), and the other's
    opposite bound divides it (conservative, wider than 95%): ``(0, 0, high)`` when ``r`` has none, ``(inf, low,
    inf)`` when the baseline has none. NaN when neither has a pair, or either rate was not measured (a request never
    admitted).
    """
    if math.isnan(r.rate_hz) or math.isnan(base.rate_hz) or (r.num_pairs == 0 and base.num_pairs == 0):
        return math.nan, math.nan, math.nan
    if rate_not_measured(r.rate_interval95) or rate_not_measured(base.rate_interval95):
        # Never admitted: "x0" and "lower rate" read as its path's rate against the baseline's.
        return math.nan, math.nan, math.nan
    if base.num_pairs == 0:
        # 104 pairs against a baseline of none read "-" and "none (within the noise)".
        return math.inf, _rate_bounds(r)[0] / _rate_bounds(base)[1], math.inf
    if r.num_pairs == 0:
        # Read "x0 [0, nan]", and "lower rate" whatever its window: none in 1 ms is no lower than 1 kHz.
        base_low = _rate_bounds(base)[0]
        return 0.0, 0.0, _rate_bounds(r)[1] / base_low if base_low > 0 else math.inf
    ratio = r.rate_hz / base.rate_hz
    variance = sum(1.0 / x.num_pairs for x in (r, base) if x.rate_interval95 is not None)
    spread = _numerics.exp(_Z975 * math.sqrt(variance))  # the engine's exp: the same bounds on every CPU
    low, high = ratio / spread, ratio * spread
    if r.rate_interval95 is None:  # r's count over its window: n - 1 to n + 1 pairs of its schedule
        low *= (r.num_pairs - 1) / r.num_pairs
        high *= (r.num_pairs + 1) / r.num_pairs
    if base.rate_interval95 is None:  # the baseline's, in the denominator
        low *= base.num_pairs / (base.num_pairs + 1)
        high = high * base.num_pairs / (base.num_pairs - 1) if base.num_pairs > 1 else math.inf
    return ratio, low, high


def _rate_bounds(r: RequestResult) -> tuple[float, float]:
    """A request's rate's 95% bounds (Hz): its Poisson interval, or on a fixed schedule its count's one pair either
    way over its window (see :func:`_rate_ratio`)."""
    if r.rate_interval95 is not None:
        return r.rate_interval95
    n, window = r.num_pairs, r.window_s
    return max(n - 1, 0) / window, (n + 1) / window


def _fidelity_difference(r: RequestResult, base: RequestResult) -> tuple[float, float]:
    """The difference of two requests' mean fidelities and the half-width of its 95% interval (the two
    runs independent: their half-widths added in quadrature). NaN without pairs or from one pair."""
    if not r.num_pairs or not base.num_pairs:
        return math.nan, math.nan
    difference = r.mean_fidelity - base.mean_fidelity
    # Added in quadrature with sqrt (correctly rounded everywhere), not hypot.
    half_width = math.sqrt(r.fidelity_ci95 * r.fidelity_ci95 + base.fidelity_ci95 * base.fidelity_ci95)
    return (0.0 if abs(difference) <= _ROUNDING else difference), half_width


def distinct_labels(who: str, labels: list[str]) -> None:
    """Refuses two labels that read alike (:func:`qnsim.argument_checks.name_key`), as a network refuses two such
    nodes: {"a": r1, "а": r2} (the second a Cyrillic letter) printed two rows "a", one of them the baseline every
    "rate vs a" was measured against. ``who`` starts the message."""
    keys: dict[str, str] = {}
    for label in labels:
        key = name_key(label)
        if key in keys:
            other = keys[key]
            if other == label:
                raise ValueError(f"{who}: the label {written(label)} is given twice; give each row its own label")
            raise ValueError(f"{who}: label {written(label)} {reads_as('label', label, other)}")
        keys[key] = label


@dataclass(frozen=True)
class Comparison:
    """Requests side by side against a baseline (see :func:`compare_results`).

    Attributes:
        baseline: The label every other row is compared with.
        rows: One dict per request, in the order given: ``label``, ``pairs``, ``rate_hz``,
            ``rate_measured`` (False for a request never admitted: no attempt, so its rate and interval are NaN),
            ``rate_hz_low`` / ``rate_hz_high`` (its 95% interval, both ``rate_hz`` when exact),
            ``window_s``, ``mean_fidelity``, ``fidelity_ci95``, ``rate_ratio`` with
            ``rate_ratio_low`` / ``rate_ratio_high`` (95%), ``fidelity_difference`` with
            ``fidelity_difference_ci95`` (half-width), ``verdict`` (what differs beyond the noise), ``src``,
            ``dst``, ``path`` (node names), ``formalism`` and ``notes`` (first, how the request differs from
            the baseline's: its endpoints, path or formalism, or how its figures were counted otherwise: from
            another start, over a window that ended otherwise, above another minimum fidelity), and
            ``same_seed`` (run with the baseline's seed,
            so not independent of it: see :attr:`remarks`).
        remarks: Lines on the comparison as a whole, printed under its legend: which rows share the baseline's
            seed, for which the intervals (made for independent runs) are usually wider than the difference's own;
            and the notes of each :class:`qnsim.NetworkResult` given (caveats of its whole run), each once with the
            labels of the runs that carry it.
    """

    baseline: str
    rows: tuple[dict[str, Any], ...]
    remarks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Built by hand too (a comparison saved and read back): baseline=None, a dict or bytes and remarks=None, a dict
        # or bytes were kept as they stood, and the table then compared every row with a baseline no row has, or
        # printed the remarks letter by letter.
        if not isinstance(self.baseline, str):
            raise TypeError(f"Comparison.baseline must be a request label (str), got {written(self.baseline)}")
        if not isinstance(self.rows, (tuple, list)) or not all(isinstance(row, Mapping) for row in self.rows):
            raise TypeError(f"Comparison.rows must be a tuple of row dicts, got {written(self.rows):.80}")
        object.__setattr__(self, "baseline", str(self.baseline))
        # A row's notes read once, here, for the table, Jupyter and to_pandas alike: notes="rate low" printed a note
        # per letter, and a row without notes (it has none) failed in to_pandas with KeyError 'notes'.
        object.__setattr__(self, "rows", tuple(
            {**row, "notes": texts(f"Comparison.rows[{i}]['notes']", row.get("notes", ()))}
            for i, row in enumerate(self.rows)
        ))  # fmt: skip
        object.__setattr__(self, "remarks", texts("Comparison.remarks", self.remarks))
        # The rows' labels as compare_results reads its own: a baseline no row has printed "rate vs zz" over rows
        # none of which was the baseline, and a label twice (or two that read alike) two baseline rows.
        for i, row in enumerate(self.rows):
            checked_label(f"Comparison.rows[{i}]['label']", row.get("label"))
        labels = [row["label"] for row in self.rows]
        distinct_labels("Comparison", labels)
        if self.baseline not in labels:
            known = ", ".join(map(repr, labels)) or "none"
            raise ValueError(f"Comparison.baseline {written(self.baseline)} is none of the rows' labels ({known})")

    def _cells(self) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        """The table's headers and one tuple of cell texts per request (for the text table and Jupyter)."""
        cells = []
        for given in self.rows:
            # A row built by hand may hold fewer figures than compare_results' (a label alone): one it lacks is not
            # known, "-" like a NaN, where the table failed with KeyError 'rate_hz'.
            row = {**dict.fromkeys(_FIGURES, math.nan), "pairs": "-", "verdict": "", **given}
            if row["label"] == self.baseline:
                ratio, difference = "baseline", "baseline"
            else:
                ratio = "-" if math.isnan(row["rate_ratio"]) else (
                    f"x{row['rate_ratio']:.3g} [{row['rate_ratio_low']:.3g}, {row['rate_ratio_high']:.3g}]"
                )
                difference = "-" if math.isnan(row["fidelity_difference"]) else (
                    f"{row['fidelity_difference']:+.4f} +- {_ci(row['fidelity_difference_ci95'])}"
                )
            if not row.get("rate_measured", True):
                spread = "not measured"  # a request never admitted (RATE_NOT_MEASURED)
            elif math.isnan(row["rate_hz"]) or math.isnan(row["rate_hz_low"]) or math.isnan(row["rate_hz_high"]):
                spread = "-"  # no interval known: not "---", the text of two NaN bounds
            elif row["rate_hz_low"] == row["rate_hz_high"]:
                spread = "exact"
            else:
                spread = f"{_eng(row['rate_hz_low'], '')}-{_eng(row['rate_hz_high'], '')}"
            fidelity = "-" if math.isnan(row["mean_fidelity"]) else (
                f"{row['mean_fidelity']:.4f}" + ("" if math.isnan(row["fidelity_ci95"])
                                                  else f" +- {_ci(row['fidelity_ci95'])}")
            )
            cells.append((row["label"], str(row["pairs"]), _eng(row["rate_hz"], ""), spread,
                          _eng(row["window_s"], "s"), fidelity, ratio, difference, row["verdict"]))
        heads = ("request", "pairs", "rate (Hz)", "rate 95% (Hz)", "window", "fidelity (95% CI)",
                 f"rate vs {self.baseline} (95%)", "F - baseline (95%)", "beyond the noise")
        return heads, cells

    def __str__(self) -> str:
        """A fixed-width table: each request's figures, then its rate and fidelity against the baseline."""
        heads, cells = self._cells()
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]

        def line(values: tuple[str, ...]) -> str:
            return " ".join(v.ljust(w) if i in (0, 8) else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

        out = [line(heads).rstrip(), "-" * len(line(heads).rstrip())]
        out += [line(c).rstrip() for c in cells]
        out.append(_LEGEND)
        out += [f"note: {remark}" for remark in self.remarks]
        out += [f"note: {row['label']}: {note}" for row in self.rows for note in row["notes"]]
        return "\n".join(out)

    def __repr__(self) -> str:
        """One line per request against the baseline (the table is ``print(comparison)``).

        Example:
            >>> Comparison("a", ({"label": "a", "verdict": ""}, {"label": "b", "verdict": "higher rate"}))
            Comparison(baseline a; b: higher rate)
        """
        others = "; ".join(f"{row['label']}: {row.get('verdict', '')}" for row in self.rows
                           if row["label"] != self.baseline)  # fmt: skip
        return f"Comparison(baseline {self.baseline}; {others})"

    def _repr_html_(self) -> str:
        """Jupyter: the table, its legend and the requests' notes."""
        from qnsim import _display

        heads, cells = self._cells()
        notes = [*self.remarks, *(f"{row['label']}: {note}" for row in self.rows for note in row["notes"])]
        return _display.table(heads, cells) + f"<p>{html.escape(_LEGEND)}</p>" + _display.notes(notes)

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame (``pip install .[pandas]``), one row per request.

        Its ``notes`` column is written as a sweep's row writes its notes (:func:`qnsim.sweeps.join_notes`:
        None for none, a note's own ``";"`` doubled), so :func:`qnsim.sweeps.split_notes` gives each note back;
        ``attrs["notes"]`` holds the comparison's :attr:`remarks` (shared seeds, the notes of each run as a whole).
        A figure that was not measured (the rate ratio against a request never admitted, a fidelity difference
        without pairs) is NaN and a cell without a value (no notes) a blank, ``pd.NA``: the rule of every qnsim frame
        (:func:`qnsim.sweeps.rows_frame`).
        """
        from qnsim.results import _import_pandas
        from qnsim.sweeps import rows_frame

        _import_pandas()
        frame = rows_frame([
            {**{k: v for k, v in row.items() if k != "notes"}, "notes": join_notes(row["notes"])} for row in self.rows
        ])  # fmt: skip
        # The remarks are the printed table's too: an interrupted run, intervals of runs sharing a seed.
        frame.attrs["notes"] = list(self.remarks)
        return frame


def _route(path: list[str]) -> str:
    """A path as text with its link count, e.g. ``a - r - b (2 links)``; a long one by its first three and last
    two nodes (a 1,000-node path written whole made a note of thousands of characters)."""
    links = len(path) - 1
    shown = path if len(path) <= 7 else [*path[:3], "...", *path[-2:]]
    return f"{' - '.join(shown)} ({links} link{'s' if links != 1 else ''})"


def _path_note(path: list[str], base: list[str]) -> str:
    """How a request's path differs from the baseline's: both, and where they part."""
    if path[0] != base[0]:
        base = base[::-1]  # b -> a against a -> b: read both from the same end
    shared = next((i for i, (a, b) in enumerate(zip(path, base)) if a != b), min(len(path), len(base)))
    return f"path {_route(path)}, the baseline's {_route(base)}; they part after {path[shared - 1]}"


def _differences(label: str, r: RequestResult, baseline: str, base: RequestResult, allowed: bool) -> list[str]:
    """Notes on how request ``r`` differs from the baseline's (endpoints, path, formalism); refuses other
    endpoints unless ``allowed``: their rate and fidelity are another request's, not another way to serve it."""
    notes = []
    if {r.src, r.dst} != {base.src, base.dst}:  # b -> a joins the same two users as a -> b
        if not allowed:
            raise ValueError(
                f"compare_results: {label!r} is a request {r.src} -> {r.dst}, the baseline {baseline!r} one "
                f"{base.src} -> {base.dst}: its figures are another pair of nodes', not another way to serve the "
                f"same one; give requests between the same nodes (result.requests[i] picks one), or "
                f"different_endpoints=True to compare them anyway"
            )
        notes.append(f"a request {r.src} -> {r.dst}, the baseline's {base.src} -> {base.dst}")
    elif tuple(r.path) not in (tuple(base.path), tuple(reversed(base.path))):
        notes.append(_path_note(list(r.path), list(base.path)))
    if r.formalism != base.formalism and None not in (r.formalism, base.formalism):  # None: not known
        note = f"formalism {r.formalism}, the baseline's {base.formalism}"
        if r.twirled_t1 != base.twirled_t1:
            # The same network run in density_matrix and bell_diagonal (memory T1 = 2.5 ms, two swapped F = 0.95
            # links) read "lower fidelity" -0.0257 +- 7e-05 beyond the noise, with nothing on this row saying that
            # the twirl, not the network, made it (the run's T1 note is lost when requests are compared).
            twirled = r if r.twirled_t1 else base
            note += (
                f": memory T1 is Pauli-twirled in the {twirled.formalism} run and exact in the other, so their "
                "fidelities differ by the twirl's error (the twirled run's T1 note) as well as by the noise, and a "
                "fidelity difference beyond the noise can be the formalisms' alone"
            )
        notes.append(note)
    return notes + _counting_differences(r, base)


def _same_time(a: float | None, b: float | None) -> bool:
    """Whether two times in s are one (None: not set), to rounding (the times are integer picoseconds)."""
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def _distinct(a: float, b: float) -> tuple[str, str]:
    """Two times in s as text, each with the fewest significant digits (3 to 12) that tell them apart: at 3 a 1 s
    window and a 1.0009 s one both read "1 s" in a note saying that they differ."""
    for digits in range(3, 13):
        texts = _eng(a, "s", digits), _eng(b, "s", digits)
        if texts[0] != texts[1]:
            break
    return texts


def _pairs_asked(r: RequestResult) -> str:
    return "until the run ends" if r.num_pairs_requested is None else f"{r.num_pairs_requested} pairs"


def _window_end(r: RequestResult, end: str | None = None) -> str:
    """How the window of ``r``'s rate ended: at the run's end, or where the request was served or dropped
    (``end``: the end time as text, if not ``r.end_s`` to 3 digits)."""
    end = _eng(r.end_s, "s") if end is None else end
    if r.status in ("served", "dropped"):
        return f"{r.status} at {end}"
    return f"the run's end at {end}"


def _counting_differences(r: RequestResult, base: RequestResult) -> list[str]:
    """Notes on how request ``r``'s figures were counted otherwise than the baseline's: from another start, over
    a window that ended otherwise (a run of another length; a request served after another number of pairs), or
    over the pairs a minimum fidelity kept. Each rate is still pairs per second of its own window and each mean
    fidelity one over its own pairs, but the two measure different things: a window that holds the first pair's
    wait (the links' and swaps' start-up) reads a lower rate the shorter it is, one ended by a delivery reads high
    from few pairs, and a mean over the pairs above a threshold is higher by selection, not by service. The table
    set runs of 10 ms and 1 s side by side, and a run keeping only pairs of F >= 0.9 beside one keeping all, as if
    counted alike, without a word."""
    notes = []
    if not _same_time(r.start_s, base.start_s):
        start, base_start = _distinct(r.start_s, base.start_s)
        notes.append(f"counted from its start at {start}, the baseline's at {base_start}")
    if r.num_pairs_requested != base.num_pairs_requested:
        notes.append(
            f"asks for {_pairs_asked(r)}, the baseline {_pairs_asked(base)}: its window ended {_window_end(r)}, the "
            f"baseline's {_window_end(base)}"
        )
    elif not _same_time(r.end_s, base.end_s) and not (r.ended_on_last_pair and base.ended_on_last_pair):
        # Two requests served after the same number of pairs end where their last pairs came: that is the measured
        # rate. A window that ended with a run of another length (or a drop) counted another span.
        window, base_window = _distinct(r.window_s, base.window_s)
        end, base_end = _distinct(r.end_s, base.end_s)
        notes.append(
            f"counted over {window} (to {_window_end(r, end)}), the baseline over {base_window} (to "
            f"{_window_end(base, base_end)}): a start-up (the first pair's wait) weighs more in the shorter window"
        )
    if r.min_fidelity != base.min_fidelity:
        notes.append(
            f"keeps pairs of fidelity >= {r.min_fidelity:g} only, the baseline >= {base.min_fidelity:g}: each mean "
            "fidelity is over the pairs its request kept, and a higher threshold raises it by selection "
            f"({r.rejected_low_fidelity} pairs rejected here, {base.rejected_low_fidelity} in the baseline)"
        )
    return notes


def _same_seed_remark(labels: list[str], baseline: str, seed: int) -> str:
    """The comparison's remark on the rows run with the baseline's seed (common random numbers)."""
    which = ", ".join(repr(label) for label in labels)
    they = "they are" if len(labels) > 1 else "it is"
    return (
        f"{which} ran with the seed of the baseline {baseline!r} ({seed}), so {they} "
        "not independent of it: where runs differ only in a policy they share their random draws and their figures "
        "move together, while these intervals treat the runs as independent; they are then wider than the "
        "difference's own (conservative: a real difference may read as noise, an identical policy as x1 with an "
        "interval); requests of one run that compete for its links and memories can instead move apart, which these "
        "intervals do not cover either; compare runs over several seeds (Network.run_seeds, qnsim.sweep) to be sure"
    )


def _request(label: str, value: object) -> RequestResult:
    if isinstance(value, RequestResult):
        return value
    if isinstance(value, NetworkResult):
        if len(value.requests) != 1:
            raise ValueError(
                f"compare_results: {label!r} is a NetworkResult of {len(value.requests)} requests; give the one to "
                f"compare, e.g. result.requests[0]"
            )
        return value.requests[0]
    raise TypeError(
        f"compare_results: {label!r} must be a RequestResult or a one-request NetworkResult, got "
        f"{type(value).__name__}"
    )


def compare_results(
    results: Mapping[str, Any], baseline: str | None = None, *, different_endpoints: bool = False
) -> Comparison:
    """Puts simulated requests side by side against a baseline, each difference with its 95% interval.

    The rate ratio's interval reads each rate as a Poisson count over its window (log ratio with standard
    error sqrt(1/n + 1/n_baseline); a rate on a fixed schedule is exact and adds only its count's one pair either
    way, where the window's edges cut a delivery period), and the fidelity
    difference's adds the two runs' 95% half-widths in quadrature (independent runs: different seeds or
    networks). Runs of one seed that differ only in a policy share their random draws until the policies part:
    their figures move together, and these intervals, made for independent runs, are then usually wider than
    the difference's own (a policy identical to the baseline reads x1 [0.86, 1.16], not exactly x1): such rows
    carry ``same_seed`` and the comparison a remark naming them (:attr:`Comparison.remarks`). A difference
    is "beyond the noise" when its interval leaves out 1 (rates) or 0 (fidelities).
    A request served by its last pair measured its rate over a window that ended on a delivery: from few
    pairs that rate reads high (its row carries the run's note).

    The requests compared are meant to join the same two nodes (another policy, path or formalism for the
    same pair of users): one between other nodes is refused, naming both, unless ``different_endpoints``
    says it is meant (e.g. two users' requests of one network); its row then carries a note saying so. A
    row whose path or formalism differs from the baseline's carries a note naming both (the rates and mean
    fidelities still compare: a stabilizer run's mean fidelity estimates the same expectation as a
    bell_diagonal or density-matrix run's exact one, with its binomial interval; but with memory T1, which
    stabilizer and bell_diagonal apply as its Pauli twirl, not density_matrix's exact channel, and the note then says
    so). So does a row counted otherwise
    than the baseline: from another start, over a window that ended otherwise (a run of another length, another
    number of pairs asked for) or over the pairs another minimum fidelity kept; its rate and mean still compare as
    figures, but a start-up weighs differently in windows of different lengths, and a mean over the pairs above a
    threshold is higher by selection.

    Args:
        results: Label -> :class:`qnsim.RequestResult` (or a :class:`qnsim.NetworkResult` of one
            request, whose run notes the comparison's remarks repeat), in the order to print.
        baseline: The label to compare with (default: the first).
        different_endpoints: Accept requests between other nodes than the baseline's (default: refused).

    Returns:
        A :class:`Comparison`; ``print`` it for the table, ``.rows`` or ``.to_pandas()`` for the figures.

    Raises:
        ValueError: Fewer than two results, a baseline that is not one of the labels, a label that is blank or
            holds a line break, two labels that read alike (``"a"`` and ``"A"``, or a Cyrillic ``"а"``: the rules
            of node names), or a request between other nodes than the baseline's without
            ``different_endpoints=True``.
        TypeError: A value that is no request result, or a label or baseline that is not a string.

    Example:
        >>> import qnsim
        >>> def run(fidelity, rate_hz):
        ...     net = qnsim.Network("bell_diagonal", seed=1)
        ...     _ = net.add_node("a"); _ = net.add_node("b")
        ...     _ = net.add_link("a", "b", length_km=1.0, fidelity=fidelity, rate_hz=rate_hz, success_probability=0.1)
        ...     _ = net.request("a", "b")
        ...     return net.run(until_s=1.0, progress=False)
        >>> c = qnsim.compare_results({"slow": run(0.95, 1e3), "fast": run(0.9, 2e3)})
        >>> c.rows[1]["verdict"]
        'higher rate, lower fidelity'
    """
    if not isinstance(results, Mapping):
        raise TypeError(f"compare_results takes a mapping label -> result, got {type(results).__name__}")
    if len(results) < 2:
        raise ValueError(f"compare_results needs at least two results to compare, got {len(results)}")
    # Labels are the table's texts, read by one rule (argument_checks.label): str() of each key made {1: r1, "1": r2}
    # one row (r2 dropped without a word), and 10**5000 as a key raised Python's printing limit.
    requests = {
        checked_label("compare_results label", name): _request(name, value) for name, value in results.items()
    }
    distinct_labels("compare_results", list(requests))
    if baseline is None:
        baseline = next(iter(requests))
    baseline = checked_label("compare_results: baseline", baseline)
    if baseline not in requests:
        raise ValueError(f"compare_results: baseline {baseline!r} is none of the labels ({', '.join(requests)})")
    base = requests[baseline]
    # The package's one reading of a flag: np.False_ (a NumPy comparison's result) was refused as "must be True or
    # False", which it is.
    different_endpoints = flag("compare_results: different_endpoints", different_endpoints)
    rows = []
    for label, r in requests.items():
        differences = [] if label == baseline else _differences(label, r, baseline, base, different_endpoints)
        interval = r.rate_interval95 or (r.rate_hz, r.rate_hz)
        ratio, ratio_low, ratio_high = _rate_ratio(r, base)
        difference, difference_ci = _fidelity_difference(r, base)
        verdict = []
        unmeasured = [x for x in (label, baseline) if rate_not_measured(requests[x].rate_interval95)]
        if label != baseline and unmeasured:
            # A request never admitted made no attempt: "none (within the noise)" against it (or "lower rate" for
            # it) read as a comparison of two paths' rates.
            verdict.append(f"rate not measured ({' and '.join(repr(x) for x in unmeasured)} never admitted)")
        elif label != baseline:
            if ratio_low > 1:
                verdict.append("higher rate")
            elif ratio_high < 1:
                verdict.append("lower rate")
            # Exact means (every pair alike: +- 0) still differ by rounding (-1e-16 read as "lower fidelity").
            margin = max(difference_ci, _ROUNDING)
            if difference > margin:
                verdict.append("higher fidelity")
            elif difference < -margin:
                verdict.append("lower fidelity")
        rows.append({
            "label": label, "pairs": r.num_pairs, "rate_measured": not rate_not_measured(r.rate_interval95),
            "rate_hz": float(r.rate_hz), "rate_hz_low": float(interval[0]),
            "rate_hz_high": float(interval[1]), "window_s": float(r.window_s), "mean_fidelity": float(r.mean_fidelity),
            "fidelity_ci95": float(r.fidelity_ci95), "rate_ratio": ratio, "rate_ratio_low": ratio_low,
            "rate_ratio_high": ratio_high, "fidelity_difference": difference, "fidelity_difference_ci95": difference_ci,
            "verdict": "" if label == baseline else (", ".join(verdict) or "none (within the noise)"),
            "src": r.src, "dst": r.dst, "path": tuple(r.path), "formalism": r.formalism,
            "same_seed": label != baseline and r.seed is not None and r.seed == base.seed,
            "notes": tuple(differences) + tuple(r.notes),
        })  # fmt: skip
    # One seed for the baseline and another run (common random numbers): the intervals above, made for independent
    # runs, then read the pair as unrelated (a policy identical to the baseline read x1 [0.86, 1.16]) without a word.
    shared = [row["label"] for row in rows if row["same_seed"]]
    remarks = [_same_seed_remark(shared, baseline, base.seed)] if shared else []
    # A NetworkResult's own notes (caveats of its whole run: a preset's figures that are not modelled, a formalism's
    # twirl) were dropped with the rest of it when its request was taken: each is said once, naming its runs.
    run_notes: dict[str, list[str]] = {}
    for name, value in zip(requests, results.values()):
        for note in value.notes if isinstance(value, NetworkResult) else ():
            run_notes.setdefault(note, []).append(name)
    remarks += [
        f"{'runs' if len(labels) > 1 else 'run'} {', '.join(map(repr, labels))}: {note}"
        for note, labels in run_notes.items()
    ]
    return Comparison(baseline, tuple(rows), tuple(remarks))
