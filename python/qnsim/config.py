"""The one TOML layer of qnsim's files: scenarios (``qnsim run`` / ``qnsim sweep``) and the
links and QPU files of ``qnsim estimate``.

Every message names the file, the key path and the bad value (``s.toml: links[2].length_km
must be >= 0 km, got -1.0``), unknown keys get a did-you-mean, types are checked and never
coerced (``"no"`` is not false, ``2.7`` is not 2, a single ``[table]`` is not an array of
``[[tables]]``), and a file that is not UTF-8 is named. The value checks themselves are the
specs' (:mod:`qnsim.specs`): this layer only says *where*.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.toml"
>>> _ = path.write_text('[[link]]\\nname = "ab"\\ncount = 2.7\\n')
>>> root = TomlTable.load(path)
>>> [t.get("count", int) for t in root.tables("link")]
Traceback (most recent call last):
...
qnsim.config.ConfigError: demo.toml: link[0].count must be an integer, got 2.7
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from qnsim._core import ParameterError, QnsimError
from qnsim.argument_checks import file_path, float_literal, written
from qnsim.specs import check_value, did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = ["ConfigError", "TomlTable", "read_toml"]

_MISSING: Any = dataclasses.MISSING

#: Largest configuration file read (bytes): far beyond any hand-written one, and bounded so that a path to an
#: endless stream is refused before it fills memory.
MAX_TOML_BYTES = 256 * 2**20


class ConfigError(QnsimError, ValueError):
    """A malformed configuration file; the message names the file, the key path and the value.

    Example:
        >>> issubclass(ConfigError, ValueError) and issubclass(ConfigError, QnsimError)
        True
    """


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parses a TOML file.

    Raises:
        ConfigError: Invalid TOML or not UTF-8 (the message names the file and the place).
        OSError: The file cannot be read (missing, a directory, no permission).

    Example:
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.toml"
        >>> _ = p.write_bytes(b"name = '\\xff'\\n")
        >>> read_toml(p)
        Traceback (most recent call last):
        ...
        qnsim.config.ConfigError: bad.toml: not UTF-8 text (byte 0xff at offset 8)
    """
    path = Path(file_path("path", path))  # before Path(): Path("") is ".", which would read as "Is a directory"
    with open(path, "rb") as f:
        # Bounded: `qnsim run /dev/zero` (or a path to any endless stream) read until memory ran out.
        raw = f.read(MAX_TOML_BYTES + 1)
    if len(raw) > MAX_TOML_BYTES:
        raise ConfigError(
            f"{path.name}: more than {MAX_TOML_BYTES // 2**20} MiB, not a configuration file (a large network is a "
            "[topology] table, not one entry per node)"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        # A byte-order mark (some editors' "UTF-8") read as "Invalid statement (at line 1, column 1)".
        raise ConfigError(f"{path.name}: starts with a byte-order mark, which TOML does not allow: save it as UTF-8 "
                          "without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path.name}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    try:
        return tomllib.loads(text, parse_float=_toml_float)
    except _Underflow as exc:
        # tomllib read `t2_s = 1e-400` as 0.0 without a word.
        line = next((i + 1 for i, row in enumerate(text.splitlines()) if exc.literal in row), None)
        raise ConfigError(f"{path.name}: {exc}" + (f" (line {line})" if line else "")) from None
    except tomllib.TOMLDecodeError as exc:
        twice = _given_twice(text, str(exc))
        raise ConfigError(f"{path.name}: invalid TOML: {twice or exc}") from None
    except ValueError:
        # An integer literal of more than 4,300 digits: the parser's int() refused it with Python's own limit ("Exceeds
        # the limit (4300 digits) for integer string conversion"), naming neither the file nor the line.
        long_number = re.search(r"[0-9][0-9_]{4300,}", text)
        where = f" on line {text.count(chr(10), 0, long_number.start()) + 1}" if long_number else ""
        raise ConfigError(
            f"{path.name}: an integer of more than 4,300 digits{where}, which no setting takes (nor Python reads)"
        ) from None
    except RecursionError:
        # Arrays or inline tables nested thousands deep: the parser's recursion, not a Python error to show.
        raise ConfigError(f"{path.name}: invalid TOML: arrays or tables nested too deep to read") from None


class _Underflow(ValueError):
    """A TOML float literal :func:`qnsim.argument_checks.float_literal` refuses, told apart from the parser's own
    ValueError (an integer past 4,300 digits)."""

    def __init__(self, literal: str, message: str) -> None:
        super().__init__(message)
        self.literal = literal


def _toml_float(literal: str) -> float:
    try:
        return float_literal(literal)
    except ValueError as exc:
        raise _Underflow(literal, str(exc)) from None


def _given_twice(text: str, message: str) -> str | None:
    """The key or table a TOML parser refused as given twice, named (None for another error).

    tomllib says "Cannot overwrite a value (at line 3, column 15)" or "... (at end of document)" for a key given twice
    and "Cannot declare ('grid',) twice" for a table: the first names no key, and neither says which table a key
    was in. The line it points at (the last line at the end of the document) holds the second one.
    """
    if not message.startswith(("Cannot overwrite a value", "Cannot declare")):
        return None
    lines = text.splitlines()
    at = re.search(r"at line (\d+)", message)
    number = int(at.group(1)) if at else max((i + 1 for i, line in enumerate(lines) if line.strip()), default=0)
    if not 1 <= number <= len(lines):
        return None
    header = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
    line = lines[number - 1]
    table = next((m.group(1) for m in map(header.match, reversed(lines[: number - 1])) if m), None)
    where = f"line {number}"
    if message.startswith("Cannot declare") and header.match(line):
        return f"the table [{header.match(line).group(1)}] is declared twice ({where}); declare each table once"
    if header.match(line):
        return (f"[{header.match(line).group(1)}] ({where}) names a key or table given before it; give each name "
                "once")
    if "=" not in line:
        return None
    key = line.split("=", 1)[0].strip()
    inside = f"in [{table}]" if table else "at the top level"
    return f"the key {key} is given twice {inside} ({where}); give each key once"


#: The kinds of TOML file qnsim reads: what each is, the top-level keys only it has, and the command that reads it.
FILE_KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "scenario": ("a network scenario", ("nodes", "links", "requests", "topology"), "qnsim run {path}"),
    "qec": ("a distributed-QEC experiment", ("experiment", "grid", "sampling"),
            "qnsim qec sweep {path} --out ROWS.csv"),
    "links": ("an estimator links file", ("qpu",), "qnsim estimate WORKLOAD --links {path}"),
    "summary": ("an estimator workload (logical summary)", ("logical_qubits", "workload"),
                "qnsim estimate {path} --links LINKS.toml"),
}


def other_file_kind(keys: Iterable[str], reader: str, source: str) -> str | None:
    """What a file given to the ``reader`` kind's command is, when its top-level keys are those of another kind.

    ``qnsim run`` on a QEC experiment said "unknown key experiment (known: name, description, run, ...)", and the
    other readers alike: keys listed, never the file's kind or the command that reads it. Returns a message naming
    both (None when no other kind's keys are there, e.g. a scenario with a misspelt key).

    Example:
        >>> message = other_file_kind(["experiment", "grid"], "scenario", "m.toml")
        >>> message.split(": ")[0]
        'm.toml is a distributed-QEC experiment ([experiment]), not a network scenario'
        >>> message.split(": ")[1]
        'read it with qnsim qec sweep m.toml --out ROWS.csv'
        >>> other_file_kind(["runn", "nodes"], "scenario", "s.toml") is None
        True
    """
    keys = set(keys)
    own = set(FILE_KINDS[reader][1])
    if keys & own:
        return None  # the reader's own kind, with a stray key: its own did-you-mean says which
    for kind, (what, signature, command) in FILE_KINDS.items():
        found = [key for key in signature if key in keys]
        if kind != reader and found:
            return (f"{source} is {what} ([{found[0]}]), not {FILE_KINDS[reader][0]}: read it with "
                    f"{command.format(path=source)}")
    return None


class TomlTable:
    """A table of a parsed file, with the file name and key path its messages need.

    Args:
        data: The table (a dict from :func:`read_toml`).
        source: The file name shown in messages.
        path: The table's key path (``""`` at the root, ``"links[0]"``, ``"run"``).

    Example:
        >>> run = TomlTable({"until_s": 1, "seed": 3}, "s.toml", "run")
        >>> run.get("until_s", float), run.get("seed", int), run.get("formalism", str, "density_matrix")
        (1.0, 3, 'density_matrix')
    """

    def __init__(self, data: Mapping[str, Any], source: str, path: str = "") -> None:
        self.data = data
        self.source = source
        self.path = path
        # The directory of the file the root table was read from (None for a table built from a dict): what
        # paths inside the file are relative to.
        self.directory: str | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TomlTable:
        """The root table of a TOML file (see :func:`read_toml` for errors); ``directory`` is the file's."""
        table = cls(read_toml(path), Path(file_path("path", path)).name)
        table.directory = os.path.dirname(os.path.abspath(path))
        return table

    def key_path(self, key: str) -> str:
        """``path.key`` (or ``key`` at the root)."""
        return f"{self.path}.{key}" if self.path else key

    def error(self, message: str, key: str | None = None) -> ConfigError:
        """A :class:`ConfigError` at this table (or at ``key`` of it); ``message`` follows the path."""
        where = self.key_path(key) if key is not None else self.path
        if where:
            separator = "" if message[:1] in (" ", ":") else " "
            return ConfigError(f"{self.source}: {where}{separator}{message}")
        return ConfigError(f"{self.source}: {message}")

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def keys(self) -> Iterable[str]:
        """The keys present."""
        return self.data.keys()

    def check_keys(self, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        """Refuses keys outside ``allowed`` (did-you-mean) and missing ``required`` ones.

        Example:
            >>> TomlTable({"seeed": 1}, "s.toml", "run").check_keys(["until_s", "seed"])
            Traceback (most recent call last):
            ...
            qnsim.config.ConfigError: s.toml: unknown key run.seeed; did you mean 'seed'?
        """
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f" (known: {', '.join(allowed)})"
                raise ConfigError(f"{self.source}: unknown key {self.key_path(key)}{hint}")
        for key in required:
            if key not in self.data:
                raise self.error("is required", key)

    def get(self, key: str, hint: Any, default: Any = _MISSING, **meta: Any) -> Any:
        """The value at ``key``, checked against the annotation ``hint`` (never coerced).

        Args:
            key: The key.
            hint: A type or annotation (``float``, ``int``, ``bool``, ``str``,
                ``Literal[...]``, ``tuple[str, ...]``, ``Union[..., None]``, a dataclass).
            default: Returned when the key is absent; without it the key is required.
            **meta: Bounds for :func:`qnsim.specs.check_value` (``minimum``, ``maximum``,
                ``exclusive_minimum``, ``exclusive_maximum``, ``unit``, ``length``).

        Raises:
            ConfigError: Missing, wrong type or out of the given bounds.
        """
        if key not in self.data:
            if default is _MISSING:
                raise self.error("is required", key)
            return default
        with self.located():
            return check_value(key, hint, self.data[key], meta)

    def table(self, key: str, *, required: bool = False) -> TomlTable | None:
        """The sub-table at ``key`` (None when absent and not required).

        Raises:
            ConfigError: Not a table (an array of tables is refused too), or missing.
        """
        if key not in self.data:
            if required:
                raise self.error("is required (a [table])", key)
            return None
        value = self.data[key]
        if not isinstance(value, Mapping):
            kind = "an array of tables ([[...]])" if isinstance(value, list) else written(value)
            raise self.error(f"must be a table ([{self.key_path(key)}]), got {kind}", key)
        return TomlTable(value, self.source, self.key_path(key))

    def tables(self, key: str) -> list[TomlTable]:
        """The array of tables at ``key`` (``[[key]]``; empty when absent).

        Raises:
            ConfigError: A single ``[key]`` table or anything else instead of an array of tables.
        """
        if key not in self.data:
            return []
        value = self.data[key]
        if isinstance(value, Mapping):
            raise self.error(f"must be an array of tables ([[{self.key_path(key)}]]), got a single table", key)
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise self.error(f"must be an array of tables ([[{self.key_path(key)}]]), got {written(value)}", key)
        return [TomlTable(item, self.source, f"{self.key_path(key)}[{i}]") for i, item in enumerate(value)]

    def spec(self, cls: type, *, exclude: Iterable[str] = (), extra: Iterable[str] = ()) -> dict[str, Any]:
        """This table's keys checked against the fields of the spec class ``cls``.

        Returns the table as keyword arguments, each value type-checked by its field's
        annotation (the spec's construction then checks it again, cheaply, and the native
        ``validate()`` checks ranges). Fields marked ``toml=False`` and ``exclude`` are refused;
        ``extra`` keys are allowed through unchecked (the caller handles them).

        Raises:
            ConfigError: Unknown key (did-you-mean), missing required field, wrong type.
        """
        from qnsim.specs import spec_fields

        fields = {f.name: f for f in spec_fields(cls) if f.toml and f.name not in set(exclude)}
        self.check_keys(list(fields) + list(extra), [f.name for f in fields.values() if f.required])
        out: dict[str, Any] = {}
        for key, value in self.data.items():
            if key in fields:
                info = fields[key]
                # The field's own bounds, its stated range (what a value past 64 bits is told: num_pairs = -10**30
                # read "beyond a 64-bit integer" from a file, "must be in [1, 2^64 - 1]" from RequestSpec) and
                # whether +inf is one of its values, as the spec reads them.
                # And its reader, where it has one: a scenario's run.seed = -1 was told "must be >= 0" (the bounds)
                # where every other seed is read by the seed spec ("must be in [0, 2**64 - 1]").
                # And the note its refusal adds after the range (round 24: num_pairs = -1 from a file lacked the
                # core's "(None: until the run ends)" that 0 was told).
                declared = cls.__dataclass_fields__[key].metadata  # type: ignore[attr-defined]
                meta = {"minimum": info.minimum, "maximum": info.maximum, "unit": info.unit,
                        "allow_inf": info.allow_inf, "range": info.range, "reader": declared.get("reader"),
                        "refusal_note": declared.get("refusal_note")}  # fmt: skip
                with self.located():
                    out[key] = check_value(key, info.type, value, meta)
            else:
                out[key] = value
        return out

    @contextlib.contextmanager
    def located(self, what: str | None = None) -> Iterator[None]:
        """Turns a :class:`qnsim.ParameterError` raised inside into a :class:`ConfigError` at
        ``path.field``, and any other ValueError/TypeError into one at this table.

        Args:
            what: Optional description of the operation, put after the path for non-field errors.
        """
        try:
            yield
        except ConfigError:
            raise
        except ParameterError as exc:
            detail = getattr(exc, "detail", None) or str(exc)
            field = getattr(exc, "field", None)
            if field and detail.startswith(field):
                raise ConfigError(f"{self.source}: {self.key_path(detail)}") from None
            raise self.error(f": {detail}") from None
        except (ValueError, TypeError) as exc:
            prefix = f" ({what})" if what else ""
            raise self.error(f"{prefix}: {exc}") from None
