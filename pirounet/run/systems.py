"""The systems main.py and main_eval.py reach, by the word that leads their arguments.

    python main.py [system] [override files] [--key=value ...]
    python main_eval.py [system] [override files] [--key=value ...]

The word is optional and defaults to PirouNet, so every earlier command works unchanged.
A system is a subpackage with two entry modules, `train` and `evaluate`; each has
`main(args)`, `DEFAULTS` (its defaults file), `USER_ERRORS` (exception types that are the
user's to fix and end in one `error: ...` line) and a module docstring for --help. The
modules are named here as strings and imported only when asked for, so the shared core
never imports a system.
"""
from __future__ import annotations

import importlib
import sys
from types import ModuleType

from pirounet.run.config import ConfigError, help_text, wants_help

SYSTEMS: dict[str, str] = {  # word -> subpackage
    "pirounet": "pirounet.systems.pirounet",
    "learn2dance": "pirounet.systems.learn2dance",
}
DEFAULT_SYSTEM = "pirounet"
ENTRY_POINTS = {"train": "main.py", "evaluate": "main_eval.py"}  # entry module -> script


def split_system(args: list[str]) -> tuple[str, list[str]]:
    """(system, remaining args): a leading system word is taken off, else the default."""
    if args and args[0] in SYSTEMS:
        return args[0], args[1:]
    if args and not args[0].startswith("-") and not args[0].endswith(".py"):
        raise ConfigError(f"{args[0]!r} is not a system, an override file (*.py) or "
                          f"--key=value; systems: {', '.join(SYSTEMS)}")
    return DEFAULT_SYSTEM, list(args)


def entry_module(system: str, entry: str) -> ModuleType:
    """The `train` or `evaluate` module of a system."""
    return importlib.import_module(f"{SYSTEMS[system]}.{entry}")


def run_entry(entry: str, args: list[str]):
    """What main.py / main_eval.py do: pick the system, then run its entry's main(args)."""
    system, rest = split_system(args)
    return entry_module(system, entry).main(rest)


def command_line(entry: str, argv: list[str]) -> None:
    """`python main.py ...`: --help, or run; a user error ends in one `error: ...` line."""
    script = ENTRY_POINTS[entry]
    try:
        system, rest = split_system(argv)
    except ConfigError as err:
        sys.exit(f"error: {err}")
    module = entry_module(system, entry)
    if wants_help(rest):
        others = ", ".join(s for s in SYSTEMS if s != system)
        about = (f"{module.__doc__}\nSystem: {system} (python {script} <system> ...; "
                 f"also: {others}).")
        usage = script if system == DEFAULT_SYSTEM else f"{script} {system}"
        print(help_text(usage, module.DEFAULTS, about))
        sys.exit(0)
    try:
        module.main(rest)
    except module.USER_ERRORS as err:
        sys.exit(f"error: {err}")
