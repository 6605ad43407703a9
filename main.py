"""Train a model of this project; PirouNet unless a system word comes first.

    python main.py                                    # the published PirouNet_dance run
    python main.py configs/quickstart.py              # CPU quickstart on the synthetic dancer
    python main.py learn2dance [files] [--key=value]  # the second system
    python main.py --help                             # every setting

PirouNet's trainer is pirounet/systems/pirounet/train.py; pirounet/run/systems.py picks the system.
"""
import sys

from pirounet.run.systems import command_line, run_entry


def main(args: list[str]):
    """Train as configured by args: [system] [override files] [--key=value ...]."""
    return run_entry("train", args)


if __name__ == "__main__":
    command_line("train", sys.argv[1:])
