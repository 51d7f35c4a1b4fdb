"""Registry swap throughput: native C++ loop vs the same cycle driven from Python.

One cycle = two Bell pairs, depolarize1(p=0.05) on the inner qubits, Bell measurement,
Pauli-frame correction, discard all four qubits.

Targets (issue 2): >= 1,000,000 swaps/s (stabilizer), >= 300,000 (density matrix), one core.

Usage: python bench/registry_swaps.py [--cycles 1000000] [--repeats 5]
Builds the native perf executable `registry_perf` with CMake (-DQNSIM_BUILD_PERF=ON) in
build/perf first; needs cmake and a C++17 compiler (ninja if present).
"""

import argparse
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import qnsim

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"stabilizer": 1_000_000, "density_matrix": 300_000}


def build_perf_executable() -> Path:
    build = ROOT / "build" / "perf"
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(
        ["cmake", "-S", str(ROOT), "-B", str(build), "-DQNSIM_BUILD_PERF=ON", "-DCMAKE_BUILD_TYPE=Release", *generator],
        check=True, stdout=subprocess.DEVNULL,
    )
    subprocess.run(["cmake", "--build", str(build), "--target", "registry_perf"], check=True, stdout=subprocess.DEVNULL)
    return build / "registry_perf"


def native_rate(exe: Path, formalism: str, cycles: int) -> float:
    out = subprocess.run([str(exe), str(cycles), formalism], check=True, capture_output=True, text=True).stdout
    _, n, seconds, _ = out.split()
    return int(n) / float(seconds)


def python_rate(formalism: str, cycles: int) -> float:
    reg = qnsim.QubitRegistry(formalism, seed=42)
    start = time.perf_counter()
    for _ in range(cycles):
        a, b = reg.bell_pair()
        c, d = reg.bell_pair()
        reg.depolarize1(b, c, p=0.05)
        m_b, m_c = reg.bell_measure(b, c)
        if m_c:
            reg.x(d)
        if m_b:
            reg.z(d)
        reg.discard(a, b, c, d)
    return cycles / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    exe = build_perf_executable()
    print(f"{'formalism':<16}{'native swaps/s':>16}{'python swaps/s':>16}{'native/python':>15}{'target':>12}  met")
    for formalism, target in TARGETS.items():
        native = statistics.median(native_rate(exe, formalism, args.cycles) for _ in range(args.repeats))
        py = statistics.median(python_rate(formalism, args.cycles // 20) for _ in range(args.repeats))
        print(f"{formalism:<16}{native:>16,.0f}{py:>16,.0f}{native / py:>15.1f}{target:>12,}  {'yes' if native >= target else 'NO'}")


if __name__ == "__main__":
    main()
