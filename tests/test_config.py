"""The shared TOML layer and typed-spec checks: every message names the file, the key path and
the value; types are checked, never coerced."""

import math

import pytest

import qnsim
from qnsim.config import ConfigError, TomlTable, read_toml
from qnsim.specs import NodeSpec, RequestSpec, check_value, seconds_to_ps


def write(tmp_path, text, name="f.toml"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_parameter_error_is_a_value_error_with_its_field():
    with pytest.raises(qnsim.ParameterError, match=r"^num_pairs must be an integer, got 2.7$") as info:
        RequestSpec(src="a", dst="b", num_pairs=2.7)
    assert info.value.field == "num_pairs"
    assert isinstance(info.value, ValueError) and isinstance(info.value, qnsim.QnsimError)


@pytest.mark.parametrize(
    ("hint", "value", "message"),
    [
        (bool, "no", "must be true or false, got 'no'"),
        (bool, 1, "must be true or false, got 1"),
        (int, 2.7, "must be an integer, got 2.7"),
        (int, True, "must be an integer, got True"),
        (float, "1.0", "must be a real number, got '1.0'"),
        (float, math.nan, "must be finite, got nan"),  # +inf only where a field opts in (allow_inf)
        (str, 3, "must be a string, got 3"),
    ],
)
def test_types_are_checked_not_coerced(hint, value, message):
    with pytest.raises(qnsim.ParameterError, match=f"^x {message}$"):
        check_value("x", hint, value)


def test_int_is_accepted_where_a_float_is_due():
    assert NodeSpec(name="a", t1_s=1, t2_s=2).t1_s == 1.0
    assert isinstance(NodeSpec(name="a", t1_s=1, t2_s=2).t1_s, float)


def test_a_choice_suggests_the_closest():
    with pytest.raises(qnsim.ParameterError, match="did you mean 'nested'"):
        RequestSpec(src="a", dst="b", swap_schedule="nestd")


@pytest.mark.parametrize("seconds", [4e-13, 1e-15, 5e-13 - 1e-16])
def test_positive_times_below_the_resolution_are_refused(seconds):
    with pytest.raises(qnsim.ParameterError, match="below the 1 ps time resolution"):
        seconds_to_ps(seconds, "cutoff_s")


def test_times_convert_and_overflow_is_named():
    assert seconds_to_ps(6e-13, "cutoff_s") == 1
    assert seconds_to_ps(0.0, "start_s") == 0
    with pytest.raises(qnsim.ParameterError, match="start_s = 1e\\+20 s exceeds the int64 picosecond range"):
        seconds_to_ps(1e20, "start_s")
    with pytest.raises(qnsim.ParameterError, match="start_s must be finite, got inf"):
        seconds_to_ps(math.inf, "start_s")


def test_non_utf8_file_is_named(tmp_path):
    path = write(tmp_path, b"a = '\xfe'\n", "latin.toml")
    with pytest.raises(ConfigError, match=r"^latin.toml: not UTF-8 text \(byte 0xfe at offset 5\)$"):
        read_toml(path)


def test_invalid_toml_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"^broken.toml: invalid TOML"):
        read_toml(write(tmp_path, "a = [\n", "broken.toml"))


def test_a_single_table_is_not_an_array_of_tables(tmp_path):
    root = TomlTable.load(write(tmp_path, "[link]\nname = 'x'\n"))
    with pytest.raises(
        ConfigError, match=r"^f.toml: link must be an array of tables \(\[\[link\]\]\), got a single table"
    ):
        root.tables("link")


def test_an_array_of_tables_is_not_a_table(tmp_path):
    root = TomlTable.load(write(tmp_path, "[[run]]\nuntil_s = 1\n"))
    with pytest.raises(ConfigError, match=r"^f.toml: run must be a table \(\[run\]\), got an array of tables"):
        root.table("run")


def test_values_are_named_by_their_key_path(tmp_path):
    root = TomlTable.load(write(tmp_path, "[[qpu]]\ncount = 2.7\n[[qpu]]\ncount = 'many'\n"))
    first, second = root.tables("qpu")
    with pytest.raises(ConfigError, match=r"^f.toml: qpu\[0\].count must be an integer, got 2.7$"):
        first.get("count", int)
    with pytest.raises(ConfigError, match=r"^f.toml: qpu\[1\].count must be an integer, got 'many'$"):
        second.get("count", int)
    with pytest.raises(ConfigError, match=r"^f.toml: qpu\[0\].surface_code must be true or false, got 'yes'$"):
        TomlTable({"surface_code": "yes"}, "f.toml", "qpu[0]").get("surface_code", bool)
    with pytest.raises(ConfigError, match=r"^f.toml: qpu\[0\].missing is required$"):
        first.get("missing", int)


def test_bounds_given_by_the_caller_are_named(tmp_path):
    table = TomlTable({"count": 10**12}, "f.toml", "qpu[0]")
    with pytest.raises(ConfigError, match=r"^f.toml: qpu\[0\].count must be in \[1, 4096\], got 1000000000000$"):
        table.get("count", int, minimum=1, maximum=4096)


def test_unknown_keys_get_a_suggestion():
    with pytest.raises(ConfigError, match=r"^f.toml: unknown key run.seeed; did you mean 'seed'\?$"):
        TomlTable({"seeed": 1}, "f.toml", "run").check_keys(["until_s", "seed"])


def test_spec_reading_checks_every_field():
    table = TomlTable({"src": "a", "dst": "b", "keep_pairs": "no"}, "s.toml", "requests[0]")
    with pytest.raises(ConfigError, match=r"^s.toml: requests\[0\].keep_pairs must be true or false, got 'no'$"):
        table.spec(RequestSpec)
    with pytest.raises(ConfigError, match=r"^s.toml: unknown key requests\[0\].protocol"):
        TomlTable({"src": "a", "dst": "b", "protocol": "x"}, "s.toml", "requests[0]").spec(RequestSpec)
    with pytest.raises(ConfigError, match=r"^s.toml: requests\[0\].dst is required$"):
        TomlTable({"src": "a"}, "s.toml", "requests[0]").spec(RequestSpec)


def test_located_names_the_field_of_a_parameter_error():
    table = TomlTable({}, "s.toml", "nodes[1]")
    with pytest.raises(ConfigError, match=r"^s.toml: nodes\[1\].t1_s must be > 0$"):
        with table.located():
            raise qnsim.specs.parameter_error("t1_s", "must be > 0")


def test_an_empty_path_is_not_the_current_directory():
    # Path("") is ".": load_scenario("") used to fail with ".: Is a directory".
    from qnsim.cli import one_line

    for load in (qnsim.load_scenario, read_toml):
        with pytest.raises(FileNotFoundError) as info:
            load("")
        assert info.value.filename == ""
        assert one_line(info.value) == "'' (an empty path): No such file or directory"
