"""Results audit, round 30: the scenario_id of point functions whose source Python cannot show.

A sweep script read from stdin (``python - < sweep.py``, a heredoc in a job script), run with ``python -c`` or made
by ``exec`` has no source file. Its point function's scenario_id was then its bytecode alone, without its constants
(and a callable object's, its class name alone): the script edited from ``x * 2`` to ``x * 3`` and run again on the
same out kept the id, and the resumed sweep returned the rows of ``x * 2`` as its own, without a word. Two lambdas on
one line (the whole line is their "source") shared one id too. The id now takes the code's shape (bytecode, names,
constants, nested code) whenever the source does not say it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from qnsim.sweeps import scenario_id

_SCRIPT = textwrap.dedent(
    """
    from qnsim.sweeps import sweep

    def f(params, seed):
        return {{"y": params["x"] * {factor}}}

    if __name__ == "__main__":
        try:
            rows = sweep(f, {{"x": [1, 2]}}, seeds=1, out={out!r}, progress=False, workers=1, as_frame=False)
            print("rows", [r["y"] for r in rows])
        except ValueError as exc:
            print("refused", exc)
    """
)


def _run_from_stdin(out, factor):
    done = subprocess.run([sys.executable, "-"], input=_SCRIPT.format(out=str(out), factor=factor), text=True,
                          capture_output=True, timeout=120, check=True)  # fmt: skip
    return done.stdout


def test_a_script_from_stdin_edited_is_not_resumed_from_the_old_scripts_rows(tmp_path):
    """Old behaviour: the second run printed ``rows [2, 4]``, the first script's rows, for y = 3x."""
    out = tmp_path / "rows.csv"
    assert _run_from_stdin(out, 2).strip() == "rows [2, 4]"
    again = _run_from_stdin(out, 3)
    assert again.startswith("refused") and "holds rows of another scenario" in again, again
    # The same script again resumes from its own rows.
    assert _run_from_stdin(tmp_path / "same.csv", 2) == _run_from_stdin(tmp_path / "same.csv", 2)


def _made_by_exec(body, name="f"):
    space: dict = {"__name__": "made_here"}
    exec(compile(textwrap.dedent(body), "<no file>", "exec"), space)
    return space[name]


def test_functions_without_source_differing_in_a_constant_have_different_ids():
    f2 = _made_by_exec("def f(params, seed):\n    return {'y': params['x'] * 2}\n")
    f3 = _made_by_exec("def f(params, seed):\n    return {'y': params['x'] * 3}\n")
    assert scenario_id(f2) != scenario_id(f3)
    assert scenario_id(f2) == scenario_id(_made_by_exec("def f(params, seed):\n    return {'y': params['x'] * 2}\n"))


def test_callable_objects_without_source_differing_in_their_method_have_different_ids():
    body = "class C:\n    def __call__(self, params, seed):\n        return {{'y': params['x'] * {k}}}\n"
    a, b = _made_by_exec(body.format(k=2), "C")(), _made_by_exec(body.format(k=3), "C")()
    assert scenario_id(a) != scenario_id(b)


def test_two_lambdas_of_one_line_have_different_ids():
    two, three = (lambda p, s: {"y": p["x"] * 2}), (lambda p, s: {"y": p["x"] * 3})  # noqa: E731
    assert scenario_id(two) != scenario_id(three)
    assert scenario_id(two) == scenario_id(two)


# The id a fresh process with PYTHONHASHSEED = seed prints: a function of the seed alone, so each seed's process runs
# once per module (both cases below ask seeds 3 and 4; CI time).
_SET_CONSTANT_IDS: dict[str, str] = {}


def _set_constant_id(seed):
    if seed not in _SET_CONSTANT_IDS:
        code = textwrap.dedent(
            """
            from qnsim.sweeps import scenario_id
            exec("def f(params, seed):\\n    return {'y': params['k'] in {'alpha', 'beta', 'gamma', 'delta'}}\\n")
            print(scenario_id(f))
            """
        )
        _SET_CONSTANT_IDS[seed] = subprocess.run(
            [sys.executable, "-c", code], text=True, capture_output=True, check=True, timeout=60,
            env={**__import__("os").environ, "PYTHONHASHSEED": seed}).stdout  # fmt: skip
    return _SET_CONSTANT_IDS[seed]


@pytest.mark.parametrize("hash_seed", ["1", "2"])
def test_a_set_constant_gives_the_same_id_in_every_process(hash_seed):
    """The code's shape holds a set constant in the order of the process's string hash: it is sorted."""
    ids = {_set_constant_id(seed) for seed in (hash_seed, "3", "4")}
    assert len(ids) == 1, ids


def _module(tmp_path, monkeypatch, name, text):
    """Imports ``text`` as the module ``name`` from a file in ``tmp_path`` (no bytecode cache: an edit of the
    same size within one second would read the old cache)."""
    import importlib

    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
    importlib.invalidate_caches()
    if name in sys.modules:
        return importlib.reload(sys.modules[name])
    return importlib.import_module(name)


def _ids_over_edits(tmp_path, monkeypatch, name, template, field, values, pick):
    """``scenario_id(pick(module))`` of the module ``name`` written from ``template`` with each of ``values`` in
    ``field``: an edit and its undoing, whose ids must differ and come back."""
    return [scenario_id(pick(_module(tmp_path, monkeypatch, name, template.format(**{field: v})))) for v in values]


_SETTINGS = """
class Settings:
    factor = 2.0

def point(params, seed):
    return {"y": params["x"] * Settings.factor}
"""


def test_a_class_attribute_set_before_the_sweep_is_not_resumed_from_rows_of_the_old_value(tmp_path, monkeypatch):
    """Old behaviour: a script that set ``Settings.factor = 3.0`` (from its arguments, say) before its sweep kept the
    id of the class's source, ``factor = 2.0``: the resumed sweep returned the rows of 2.0 for 3.0."""
    from qnsim.sweeps import sweep

    module = _module(tmp_path, monkeypatch, "audit30_settings", _SETTINGS)
    out = tmp_path / "rows.csv"
    first = sweep(module.point, {"x": [1, 2]}, seeds=1, out=out, progress=False, workers=1, as_frame=False)
    assert [r["y"] for r in first] == [2.0, 4.0]
    before = scenario_id(module.point)
    monkeypatch.setattr(module.Settings, "factor", 3.0)
    assert scenario_id(module.point) != before
    with pytest.raises(ValueError, match="holds rows of another scenario"):
        sweep(module.point, {"x": [1, 2]}, seeds=1, out=out, progress=False, workers=1, as_frame=False)
    monkeypatch.setattr(module.Settings, "factor", 2.0)
    assert scenario_id(module.point) == before


_CACHED = """
import functools

@functools.lru_cache(maxsize=None)
def table():
    return {value}

def point(params, seed):
    return {{"y": params["x"] * table()}}
"""


def test_an_edit_of_a_cached_helper_changes_the_id(tmp_path, monkeypatch):
    """Old behaviour: a helper under functools.lru_cache (not a function: a cache object, pickled by its name) was
    not followed: editing ``return 2.0`` to ``return 3.25`` kept the id, and a resumed sweep its old rows."""
    old = scenario_id(_module(tmp_path, monkeypatch, "audit30_cached", _CACHED.format(value="2.0")).point)
    new = scenario_id(_module(tmp_path, monkeypatch, "audit30_cached", _CACHED.format(value="3.25")).point)
    assert old != new
    assert scenario_id(_module(tmp_path, monkeypatch, "audit30_cached", _CACHED.format(value="2.0")).point) == old


_DEFAULTS = """
K = {k}

def helper(x, k=K):
    return x * k

def point(params, seed, k=K):
    return {{"y": params["x"] * k}}

def through_helper(params, seed):
    return {{"y": helper(params["x"])}}

def keyword_only(params, seed, *, k=K):
    return {{"y": params["x"] * k}}
"""


@pytest.mark.parametrize("name", ["point", "through_helper", "keyword_only"])
def test_an_edit_of_a_constant_read_as_a_default_argument_changes_the_id(tmp_path, monkeypatch, name):
    """Old behaviour: ``def point(params, seed, k=K)`` reads K when it is defined, not in its body, and its source
    does not change when ``K = 2.0`` is edited to ``K = 3.25``: the id stayed, and a resumed sweep kept the rows of
    2.0 (for the point function's defaults and for a helper's alike)."""
    ids = _ids_over_edits(tmp_path, monkeypatch, "audit30_defaults", _DEFAULTS, "k", ("2.0", "3.25", "2.0"),
                          lambda module: getattr(module, name))
    assert ids[0] != ids[1] and ids[0] == ids[2]


_MODEL = """
class Model:
    scale = 1.0

    def __init__(self, factor):
        self.factor = factor

    def point(self, params, seed):
        return {"y": params["x"] * self.factor}

    @classmethod
    def scaled(cls, params, seed):
        return {"y": params["x"] * cls.scale}


class Larger(Model):
    scale = 5.0
"""


def test_a_bound_method_of_another_instance_is_not_resumed_from_the_first_ones_rows(tmp_path, monkeypatch):
    """Old behaviour: ``Model(2).point`` and ``Model(3).point`` had one id (the method's function alone): a sweep of
    the second on the first's out returned the first's rows, y = 2x for y = 3x."""
    import functools

    from qnsim.sweeps import sweep

    module = _module(tmp_path, monkeypatch, "audit30_model", _MODEL)
    two, three = module.Model(2.0), module.Model(3.0)
    assert scenario_id(two.point) != scenario_id(three.point)
    assert scenario_id(two.point) == scenario_id(module.Model(2.0).point)
    assert scenario_id(functools.partial(two.point)) != scenario_id(functools.partial(three.point))
    # A class method bound to a subclass whose attributes differ.
    assert scenario_id(module.Model.scaled) != scenario_id(module.Larger.scaled)
    out = tmp_path / "rows.csv"
    first = sweep(two.point, {"x": [1, 2]}, seeds=1, out=out, progress=False, workers=1, as_frame=False)
    assert [r["y"] for r in first] == [2.0, 4.0]
    with pytest.raises(ValueError, match="holds rows of another scenario"):
        sweep(three.point, {"x": [1, 2]}, seeds=1, out=out, progress=False, workers=1, as_frame=False)
    again = sweep(module.Model(2.0).point, {"x": [1, 2]}, seeds=1, out=out, progress=False, workers=1, as_frame=False)
    assert again == first


_DECORATED = """
import functools

SCALE = {k}


def with_scale(scale):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(params, seed):
            return {{"y": fn(params, seed)["y"] * scale}}

        return wrapper

    return decorate


@with_scale(SCALE)
def point(params, seed):
    return {{"y": params["x"]}}


@with_scale(2.0)
def helper_two(x):
    return {{"y": x}}


@with_scale(3.0)
def helper_three(x):
    return {{"y": x}}


def both(params, seed):
    return {{"y": helper_two(params["x"])["y"] + helper_three(params["x"])["y"]}}
"""


def test_an_edit_of_a_decorator_s_argument_changes_the_id(tmp_path, monkeypatch):
    """Old behaviour: a point function under ``@with_scale(SCALE)`` (functools.wraps) was followed to the function
    it wraps only: the wrapper's closure (the scale) was left out, so an edit of ``SCALE = 2.0`` kept the id, and a
    resumed sweep the rows of 2.0."""
    ids = _ids_over_edits(tmp_path, monkeypatch, "audit30_decorated", _DECORATED, "k", ("2.0", "3.25", "2.0"),
                          lambda module: module.point)
    assert ids[0] != ids[1] and ids[0] == ids[2]



_TWO_HELPERS = """
import functools

A = {a}
B = {b}


def with_scale(scale):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(x):
            return fn(x) * scale

        return wrapper

    return decorate


@with_scale(A)
def helper_a(x):
    return x


@with_scale(B)
def helper_b(x):
    return x


def point(params, seed):
    return {{"y": helper_a(params["x"]) + helper_b(params["x"])}}
"""


@pytest.mark.parametrize("edit", [{"a": "4.5"}, {"b": "4.5"}])
def test_helpers_under_one_decorator_with_other_arguments_are_each_followed(tmp_path, monkeypatch, edit):
    """Wrappers made by one decorator share their code object, not their closures: each helper's scale is taken
    (with the functions seen by their code, the second helper's wrapper was skipped as seen)."""
    ids = [
        scenario_id(_module(tmp_path, monkeypatch, "audit30_two_helpers", _TWO_HELPERS.format(**values)).point)
        for values in ({"a": "2.0", "b": "3.0"}, {"a": "2.0", "b": "3.0", **edit})
    ]
    assert ids[0] != ids[1]


_INSTANCE = """
class Model:
    def __init__(self, k):
        self.k = k

    def run(self, x):
        return x * self.k{extra}


def fast(x):
    return x{extra}


MODEL = Model(2.0)
MODELS = {{"fast": fast, "slow": [Model(1.0)]}}


def through_global(params, seed):
    return {{"y": MODEL.run(params["x"])}}


def through_default(params, seed, model=MODEL):
    return {{"y": model.run(params["x"])}}


def through_table(params, seed):
    return {{"y": MODELS["fast"](params["x"]) + MODELS["slow"][0].run(params["x"])}}
"""


@pytest.mark.parametrize("name", ["through_global", "through_default", "through_table"])
def test_an_edit_of_the_code_a_global_value_holds_changes_the_id(tmp_path, monkeypatch, name):
    """Old behaviour: a global instance (``MODEL.run(x)``) counted by its attributes and a dispatch table's functions
    by their names: an edit of ``Model.run`` or of ``fast`` kept the id, and a resumed sweep the old rows."""
    ids = _ids_over_edits(tmp_path, monkeypatch, "audit30_instance", _INSTANCE, "extra", ("", " + 1.0", ""),
                          lambda module: getattr(module, name))
    assert ids[0] != ids[1] and ids[0] == ids[2]


_BOUND = """
class Model:
    def __init__(self, k):
        self.k = k

    def run(self, x):
        return x * self.k{extra}


def point(params, seed, model=None):
    return {{"y": model.run(params["x"])}}


class Holder:
    def __init__(self, model):
        self.model = model

    def __call__(self, params, seed):
        return {{"y": self.model.run(params["x"])}}
"""


@pytest.mark.parametrize("kind", ["partial", "callable object"])
def test_an_edit_of_the_class_of_a_bound_argument_changes_the_id(tmp_path, monkeypatch, kind):
    """Old behaviour: ``partial(point, model=Model(2.0))`` and ``Holder(Model(2.0))`` counted the model by its
    pickle (its attributes and class name): an edit of ``Model.run`` kept the id, and a resumed sweep the old rows."""
    import functools

    def bound(module):
        model = module.Model(2.0)
        return functools.partial(module.point, model=model) if kind == "partial" else module.Holder(model)

    ids = _ids_over_edits(tmp_path, monkeypatch, "audit30_bound", _BOUND, "extra", ("", " + 1.0", ""), bound)
    assert ids[0] != ids[1] and ids[0] == ids[2]


_PIPELINE = """
import types


def step_one(x):
    return x * 2.0{extra}


class Pipeline:
    def __init__(self, steps):
        self.steps = steps

    def run(self, x):
        for step in self.steps:
            x = step(x)
        return x


PIPE = Pipeline([step_one])
SETTINGS = types.SimpleNamespace(step=step_one)


def through_instance(params, seed):
    return {{"y": PIPE.run(params["x"])}}


def through_namespace(params, seed):
    return {{"y": SETTINGS.step(params["x"])}}
"""


@pytest.mark.parametrize("name", ["through_instance", "through_namespace"])
def test_an_edit_of_a_function_a_global_object_holds_changes_the_id(tmp_path, monkeypatch, name):
    """Old behaviour: the functions held by a global object's attributes (``Pipeline([step_one])``, a
    SimpleNamespace of settings) were counted by their names: an edit of ``step_one`` kept the id."""
    ids = _ids_over_edits(tmp_path, monkeypatch, "audit30_pipeline", _PIPELINE, "extra", ("", " + 1.0", ""),
                          lambda module: getattr(module, name))
    assert ids[0] != ids[1] and ids[0] == ids[2]


def test_a_scenario_sweeps_rows_copied_without_their_state_say_its_remarks_are_not_known(tmp_path):
    """Old behaviour: a scenario file's sweep records the remarks that hold for every row (here: the hardware's
    initialisation figures are not modelled) once, in its state file, and leaves them out of the rows' notes; its
    rows copied without the state file lost them, and summarize said only that whether the sweep finished was not
    known. It now says the remarks are not known either."""
    import pathlib
    import shutil

    import qnsim
    from qnsim.plot import summarize

    scenario = pathlib.Path(__file__).resolve().parents[1] / "examples" / "repeater_purification.toml"
    out = tmp_path / "rows.csv"
    # Its own seed (no seeds given): seeds=1 (seed 0) would add a note that the file's seed 7 was not run.
    frame = qnsim.sweep(str(scenario), {"run.until_s": [0.01]}, out=out, workers=1, progress=False)
    remark = frame.attrs["notes"][0]
    assert "not modelled" in remark and not any(remark in str(n) for n in frame["notes"])
    (tmp_path / "copy").mkdir()
    shutil.copy(out, tmp_path / "copy" / "rows.csv")
    notes = summarize(tmp_path / "copy" / "rows.csv", "run.until_s", ["rate_hz"]).attrs["notes"]
    assert "has no sweep state beside it" in notes[0] and "nor the scenario's remarks" in notes[0], notes
    assert any(remark in n for n in summarize(out, "run.until_s", ["rate_hz"]).attrs["notes"])


def test_a_class_with_a_lock_and_a_set_has_one_id_in_every_process(tmp_path):
    """A class's data attributes are read one by one: a class-level lock (no content to read) fell back, with the
    whole dict of attributes, to their repr, whose set followed the per-process string hash."""
    (tmp_path / "audit30_locked.py").write_text(textwrap.dedent(
        """
        import threading

        class Model:
            tags = {"alpha", "beta", "gamma", "delta", "eps"}
            lock = threading.Lock()

            def run(self, x):
                return x * len(self.tags)

        MODEL = Model()

        def point(params, seed):
            return {"y": MODEL.run(params["x"])}
        """
    ))  # fmt: skip
    code = "import audit30_locked\nfrom qnsim.sweeps import scenario_id\nprint(scenario_id(audit30_locked.point))"
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    ids = {
        subprocess.run([sys.executable, "-c", code], text=True, capture_output=True, check=True, timeout=60,
                       env={**env, "PYTHONHASHSEED": seed}).stdout  # fmt: skip
        for seed in ("1", "2", "3")
    }
    assert len(ids) == 1, ids
