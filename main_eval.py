"""Evaluate a trained model of this project; PirouNet unless a system word comes first.

    python main_eval.py                                # saved_models/pirounet_dance/last.pt
    python main_eval.py configs/eval_quickstart.py     # the quickstart's run
    python main_eval.py learn2dance [files] [--key=value]
    python main_eval.py --help                         # every setting

PirouNet's evaluation is pirounet/systems/pirounet/evaluate.py; pirounet/run/systems.py picks the system.
"""
import sys

from pirounet.run.systems import command_line, run_entry


def main(args: list[str]):
    """Evaluate as configured by args: [system] [override files] [--key=value ...]."""
    return run_entry("evaluate", args)


if __name__ == "__main__":
    command_line("evaluate", sys.argv[1:])
