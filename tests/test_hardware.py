"""Hardware dataclasses: validation of every field and the closed forms they expose."""

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qnsim import (
    Detector,
    Fiber,
    GateNoise,
    HardwarePreset,
    Memory,
    NodeHardware,
    Source,
    Transducer,
    nv_10x_improved,
    nv_near_term,
    superconducting_transducer_link,
)

C = 299_792_458.0


# --- Fiber -----------------------------------------------------------------------------------------


@given(
    length=st.floats(0, 500),
    att=st.floats(0, 1),
    n=st.floats(1, 2),
)
def test_fiber_closed_forms(length, att, n):
    f = Fiber(length, att, n)
    assert f.transmissivity == pytest.approx(10 ** (-att * length / 10), rel=1e-12)
    assert f.delay_s == pytest.approx(length * 1e3 * n / C, rel=1e-12)


def test_fiber_defaults_are_telecom():
    f = Fiber(100.0)
    assert f.transmissivity == pytest.approx(0.01)  # 20 dB
    assert f.delay_s / 100.0 == pytest.approx(4.8e-6, rel=2e-3)  # about 4.8 us per km


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"length_km": -3.0}, r"Fiber\.length_km must be >= 0, got -3\.0"),
        ({"length_km": math.inf}, r"Fiber\.length_km must be finite, got inf"),
        ({"length_km": math.nan}, r"Fiber\.length_km must be finite, got nan"),
        ({"length_km": 1.0, "attenuation_db_per_km": -0.1}, r"Fiber\.attenuation_db_per_km must be >= 0"),
        ({"length_km": 1.0, "refractive_index": 0.9}, r"Fiber\.refractive_index must be >= 1, got 0\.9"),
    ],
)
def test_fiber_rejects(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Fiber(**kwargs)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: Fiber("10"), r"Fiber\.length_km must be a real number, got '10'"),
        (lambda: Detector(0.9, visibility=True), r"Detector\.visibility must be a real number, got True"),
        (lambda: Source(1e6, 0.5, num_modes=2.5), r"Source\.num_modes must be an integer, got 2\.5"),
        (lambda: Memory(num_qubits=1.0), r"Memory\.num_qubits must be an integer, got 1\.0"),
        (lambda: Transducer(None, 0.1), r"Transducer\.efficiency must be a real number, got None"),
        (lambda: GateNoise(init_error="0.1"), r"GateNoise\.init_error must be a real number"),
    ],
)
def test_wrong_types_raise_type_error(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_dataclasses_are_frozen_and_replace_revalidates():
    f = Fiber(1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.length_km = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError, match=r"Fiber\.length_km"):
        dataclasses.replace(f, length_km=-1.0)


# --- Transducer --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"efficiency": 1.5}, r"Transducer\.efficiency must be in \[0, 1\], got 1\.5"),
        ({"efficiency": -0.1}, r"Transducer\.efficiency must be in \[0, 1\], got -0\.1"),
        ({"efficiency": math.nan}, r"Transducer\.efficiency must be finite"),
        ({"added_noise_photons": -1.0}, r"Transducer\.added_noise_photons must be >= 0, got -1\.0"),
        ({"added_noise_photons": math.inf}, r"Transducer\.added_noise_photons must be finite"),
        ({"bandwidth_hz": 0.0}, r"Transducer\.bandwidth_hz must be > 0, got 0\.0"),
        ({"repetition_rate_hz": -5.0}, r"Transducer\.repetition_rate_hz must be > 0, got -5\.0"),
        ({"repetition_rate_hz": -math.inf}, r"Transducer\.repetition_rate_hz must be finite or \+inf"),
    ],
)
def test_transducer_rejects(kwargs, match):
    args = {"efficiency": 0.5, "added_noise_photons": 0.1, **kwargs}
    with pytest.raises(ValueError, match=match):
        Transducer(**args)


def test_transducer_output_noise_is_input_referred_times_efficiency():
    t = Transducer(efficiency=0.2, added_noise_photons=0.5)
    assert t.output_noise_photons == pytest.approx(0.1)
    assert math.isinf(t.bandwidth_hz) and math.isinf(t.repetition_rate_hz)


# --- Detector ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"efficiency": 1.01}, r"Detector\.efficiency must be in \[0, 1\], got 1\.01"),
        ({"efficiency": -0.5}, r"Detector\.efficiency must be in \[0, 1\]"),
        ({"dark_count_rate_hz": -1.0}, r"Detector\.dark_count_rate_hz must be >= 0, got -1\.0"),
        ({"detection_window_s": 0.0}, r"Detector\.detection_window_s must be > 0, got 0\.0"),
        ({"detection_window_s": math.inf}, r"Detector\.detection_window_s must be finite"),
        ({"visibility": 1.2}, r"Detector\.visibility must be in \[0, 1\], got 1\.2"),
    ],
)
def test_detector_rejects(kwargs, match):
    args = {"efficiency": 0.9, **kwargs}
    with pytest.raises(ValueError, match=match):
        Detector(**args)


@given(rate=st.floats(0, 1e7), window=st.floats(1e-12, 1e-6))
def test_dark_count_probability_is_poisson(rate, window):
    d = Detector(0.9, dark_count_rate_hz=rate, detection_window_s=window)
    assert d.dark_count_probability == pytest.approx(1 - math.exp(-rate * window), rel=1e-6, abs=1e-15)
    assert 0.0 <= d.dark_count_probability <= 1.0


# --- Source ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"attempt_rate_hz": 0.0}, r"Source\.attempt_rate_hz must be > 0, got 0\.0"),
        ({"attempt_rate_hz": math.inf}, r"Source\.attempt_rate_hz must be finite, got inf"),
        ({"emission_efficiency": 2.0}, r"Source\.emission_efficiency must be in \[0, 1\], got 2\.0"),
        ({"num_modes": 0}, r"Source\.num_modes must be in \[1, 16777216\], got 0"),
        ({"emission_delay_s": -1e-6}, r"Source\.emission_delay_s must be >= 0"),
        ({"bright_state_alpha": 0.0}, r"Source\.bright_state_alpha must be in \(0, 1\), got 0\.0"),
        ({"bright_state_alpha": 1.0}, r"Source\.bright_state_alpha must be in \(0, 1\), got 1\.0"),
    ],
)
def test_source_rejects(kwargs, match):
    args = {"attempt_rate_hz": 1e6, "emission_efficiency": 0.5, **kwargs}
    with pytest.raises(ValueError, match=match):
        Source(**args)


# --- Memory, gates, node -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_qubits": 0}, r"Memory\.num_qubits must be in \[1, 16777216\], got 0"),
        ({"t1_s": 0.0}, r"Memory\.t1_s must be > 0, got 0\.0"),
        ({"t1_s": math.nan}, r"Memory\.t1_s must be finite or \+inf, got nan"),
        ({"t2_s": -1.0}, r"Memory\.t2_s must be > 0, got -1\.0"),
        ({"t1_s": 1.0, "t2_s": 2.5}, r"Memory\.t2_s must be <= 2 \* t1_s = 2 s, got 2\.5 s"),
        ({"t1_s": 1.0}, r"Memory\.t2_s must be <= 2 \* t1_s = 2 s, got inf s \(Memory\.t2_s defaults to inf: give it with t1_s\)"),
    ],
)
def test_memory_rejects(kwargs, match):
    args = {"num_qubits": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        Memory(**args)


def test_memory_infinite_times_mean_no_decay_and_t2_equal_2t1_is_allowed():
    assert math.isinf(Memory(1).dephasing_time_s)
    assert math.isinf(Memory(1, t1_s=1.0, t2_s=2.0).dephasing_time_s)
    m = Memory(1, t1_s=1.0, t2_s=0.5)
    assert 1 / m.t2_s == pytest.approx(1 / (2 * m.t1_s) + 1 / m.dephasing_time_s)


GATE_ERRORS = ["single_qubit_error", "two_qubit_error", "measurement_error", "init_error"]
GATE_DURATIONS = [
    "single_qubit_duration_s",
    "two_qubit_duration_s",
    "measurement_duration_s",
    "init_duration_s",
]


@pytest.mark.parametrize("name", GATE_ERRORS)
@pytest.mark.parametrize("bad", [-0.01, 1.5])
def test_gate_errors_must_be_probabilities(name, bad):
    with pytest.raises(ValueError, match=rf"GateNoise\.{name} must be in \[0, 1\], got {bad}"):
        GateNoise(**{name: bad})


@pytest.mark.parametrize("name", GATE_DURATIONS)
def test_gate_durations_must_be_nonnegative_and_finite(name):
    with pytest.raises(ValueError, match=rf"GateNoise\.{name} must be >= 0, got -1e-09"):
        GateNoise(**{name: -1e-9})
    with pytest.raises(ValueError, match=rf"GateNoise\.{name} must be finite, got inf"):
        GateNoise(**{name: math.inf})


def test_node_hardware_checks_types():
    with pytest.raises(TypeError, match=r"NodeHardware\.gates must be a GateNoise"):
        NodeHardware(gates=0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"NodeHardware\.memory must be a Memory"):
        NodeHardware(memory=5)  # type: ignore[arg-type]
    node = NodeHardware()
    assert node.memory.num_qubits == 1 and node.gates.two_qubit_error == 0.0


# --- presets -----------------------------------------------------------------------------------------


def test_nv_presets_follow_coopmans_table():
    near, better = nv_near_term(), nv_10x_improved()
    assert near.source.emission_efficiency == 0.0046 and better.source.emission_efficiency == 0.58
    assert near.detector.visibility == 0.9 and better.detector.visibility == 0.99
    assert near.node.gates.two_qubit_error == pytest.approx(0.03)
    assert better.node.gates.two_qubit_error == pytest.approx(0.003)
    assert near.node.memory.t2_s == 1.0 and better.node.memory.t2_s == 10.0
    assert near.detector.dark_count_probability == pytest.approx(2.5e-8, rel=1e-6)
    assert near.source.bright_state_alpha == 0.1 and near.source.emission_delay_s == 3.8e-6
    assert "Commun. Phys. 4, 164" in near.reference


def test_superconducting_preset_improvement_knob():
    base, better = superconducting_transducer_link(), superconducting_transducer_link(improvement=1000)
    assert base.transducer.added_noise_photons == 0.5
    assert better.transducer.added_noise_photons == pytest.approx(5e-4)
    assert better.transducer.repetition_rate_hz == pytest.approx(1000 * base.transducer.repetition_rate_hz)
    assert better.transducer.efficiency == min(1.0, 1000 * base.transducer.efficiency)
    with pytest.raises(ValueError, match=r"improvement must be in \[1, 1e\+09\], got 0\.5"):
        superconducting_transducer_link(0.5)
    for bad in (True, "1000", None):
        with pytest.raises(TypeError, match=rf"improvement must be a real number, got {bad!r}"):
            superconducting_transducer_link(bad)


@pytest.mark.parametrize(
    ("length", "error", "match"),
    [
        (True, TypeError, r"^Fiber.length_km must be a real number, got True$"),
        ("10", TypeError, r"^Fiber.length_km must be a real number, got '10'$"),
        (-1, ValueError, r"^Fiber.length_km must be >= 0, got -1"),
        (math.nan, ValueError, r"^Fiber.length_km .*nan"),
    ],
)
def test_preset_link_checks_the_whole_length(length, error, match):
    # preset.link(True) was a 1 km link (True / 2.0); link("10") failed dividing a str; -1 was
    # reported as its half, -0.5.
    with pytest.raises(error, match=match):
        nv_near_term().link(length)


def test_preset_validation_and_replace():
    p = nv_near_term()
    with pytest.raises(ValueError, match=r"HardwarePreset\.scheme must be one of"):
        dataclasses.replace(p, scheme="triple_click")
    with pytest.raises(ValueError, match=r"Fiber\.attenuation_db_per_km must be >= 0"):
        dataclasses.replace(p, attenuation_db_per_km=-0.2)
    with pytest.raises(ValueError, match=r"HardwarePreset\.phase_std_rad must be >= 0 rad, got -1.0"):
        dataclasses.replace(p, phase_std_rad=-1.0)
    assert isinstance(p, HardwarePreset)
    assert p.fiber(4.0).transmissivity == pytest.approx(10 ** (-0.08))
