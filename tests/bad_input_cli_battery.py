"""Child process of the round-34 CLI battery: runs ``qnsim`` commands in-process with one flag given a bad value
and prints one JSON line per finding (exit status other than 2, a traceback, more than one line, or no flag named)."""
import argparse
import contextlib
import importlib
import io
import json
import os
import shutil
import signal
import sys
import tempfile

from qnsim import cli

ROOT = sys.argv[1]
TMP = tempfile.mkdtemp()
SC = os.path.join(ROOT, "examples", "repeater_purification.toml")
WL = os.path.join(ROOT, "examples", "estimate", "workload.stim")
LINKS = os.path.join(TMP, "links.toml")
with open(LINKS, "w", encoding="utf-8") as f:
    f.write('[[qpu]]\npreset = "qubit_gate_ns_e4"\ncount = 2\nnum_qubits = 50000\n\n'
            "[[link]]\nqpus = [0, 1]\nrate_hz = 1000.0\nfidelity = 0.99\n")


def qnsim(argv):
    out, err = io.StringIO(), io.StringIO()
    signal.setitimer(signal.ITIMER_REAL, 20.0)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(argv))
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 2
    except TimeoutError:
        code = "hang"
    except BaseException as exc:  # noqa: BLE001 - an exception out of main is itself a finding
        code = f"raised {type(exc).__name__}: {exc}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return code, err.getvalue()


def alarm(*_):
    raise TimeoutError


# command words -> (parser module, arguments that make a command that succeeds, or None when none is built here)
COMMANDS = {
    ("run",): ("cli", ["run", SC, "--until", "1e-4"]),
    ("estimate",): ("estimate_cli", ["estimate", WL, "--links", LINKS]),
    ("sweep",): ("sweep_cli", ["sweep", SC, "--param", "run.until_s=1e-4", "--seeds", "1", "--workers", "1",
                               "--no-progress", "--out", os.path.join(TMP, "s.csv")]),
    ("plot",): ("plot_cli", None),
    ("qec", "circuit"): ("qec_cli", ["qec", "circuit", "--distance", "3", "--rounds", "2",
                                     "--out", os.path.join(TMP, "c.stim")]),
    ("qec", "link"): ("qec_cli", ["qec", "link", SC, "--distance", "3", "--cycle-time", "1e-6", "--probes", "2",
                                  "--seed", "1"]),
    ("qec", "threshold"): ("qec_cli", None),
    ("qec", "topup"): ("qec_cli", None),
    ("qec", "restore"): ("qec_cli", None),
    ("qec", "sweep"): ("qec_cli", None),
    ("qec", "clean-shots"): ("qec_cli", None),
}

#: Exit statuses of a command that ran (qnsim estimate: 1 is an infeasible verdict, not a refusal).
RAN = {("estimate",): (0, 1)}

NUMBER_BAD = ["nan", "inf", "-inf", "-1", "1.5", "true", "abc", "", "   ", "1e400", "10**30", "0x10", "\uff11"]
TEXT_BAD = ["", "   ", "bogus", "nan"]
PATH_BAD = ["", "   ", os.path.join(TMP, "no", "such", "dir", "x")]
ALWAYS_BAD = {"nan", "inf", "-inf", "true", "abc", "", "   ", "1e400", "10**30", "0x10", "\uff11", "bogus"}


def parser_of(words, module):
    if module == "cli":
        parser = cli._parser()
    else:
        parser = importlib.import_module("qnsim." + module)._parser()
    for word in words[1:]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                parser = action.choices[word]
    return parser


def bad_values(action):
    name = getattr(action.type, "__name__", "")
    if action.choices:
        return ["", "bogus", " " + str(list(action.choices)[0])]
    if name in ("integer_arg", "real_arg"):
        return NUMBER_BAD
    if name == "path_arg":
        return PATH_BAD
    return TEXT_BAD


def main():
    signal.signal(signal.SIGALRM, alarm)
    for words, (module, base) in COMMANDS.items():
        if base is not None:
            code, err = qnsim(base)
            if code not in RAN.get(words, (0,)):
                print(json.dumps([" ".join(words), "(baseline)", "", f"exit {code}: {err[-300:]}"]), flush=True)
                base = None
        parser = parser_of(words, module)
        for action in parser._actions:
            if not action.option_strings or action.nargs == 0:
                continue
            flag = action.option_strings[-1]
            for value in bad_values(action):
                argv = (base or list(words)) + [flag, value]
                code, err = qnsim(argv)
                lines = [line for line in err.splitlines() if line.strip()]
                finding = None
                if code in RAN.get(words, (0,)):
                    if value in ALWAYS_BAD or value in PATH_BAD[:2]:
                        finding = "accepted"
                elif code != 2:
                    finding = f"exit {code}"
                elif "Traceback" in err:
                    finding = "traceback"
                elif base is not None and not any(flag in line for line in lines):
                    finding = "does not name the flag"
                elif base is not None and len(lines) != 1:
                    finding = f"{len(lines)} lines"
                if finding:
                    print(json.dumps([" ".join(words), flag, value, finding, err[-400:]]), flush=True)


if __name__ == "__main__":
    main()
    shutil.rmtree(TMP, ignore_errors=True)
