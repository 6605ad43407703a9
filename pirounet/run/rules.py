"""Rules for allowed config values: each takes a value, returns None or what is allowed.

A system's settings module holds one table {key: rule} per defaults file and passes it to
`pirounet.run.config.load_config`, which raises a ConfigError naming the key, the value and
the rule's text. Types are checked before (a value has the type of its default, and None only
where the default is None); a None value is not checked here. Keys a defaults file does not
have are skipped.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

Rule = Callable[[Any], "str | None"]
WANDB_MODES = ("auto", "online", "offline", "disabled")  # pirounet/run/tracking.py


def one_of(*choices: str) -> Rule:
    """The value is one of choices."""
    allowed = "one of " + ", ".join(repr(c) for c in choices)
    return lambda value: None if value in choices else allowed


def at_least(low: float) -> Rule:
    """The value is >= low."""
    return lambda value: None if value >= low else f">= {low}"


def above(low: float) -> Rule:
    """The value is > low."""
    return lambda value: None if value > low else f"> {low}"


def between(low: float, high: float, open_low: bool = False) -> Rule:
    """The value lies in [low, high], or (low, high] when open_low."""
    if open_low:
        return lambda value: None if low < value <= high else f"in ({low}, {high}]"
    return lambda value: None if low <= value <= high else f"in [{low}, {high}]"


def entries(length: int, each: Rule, what: str) -> Rule:
    """A tuple of `length` entries, each allowed by `each`."""
    def check(value: Any) -> str | None:
        ok = len(value) == length and all(each(v) is None for v in value)
        return None if ok else f"{length} entries, {what}"
    return check


def device_name(value: str) -> str | None:
    """'auto', 'cpu', 'cuda' or 'cuda:N'."""
    ok = re.fullmatch(r"auto|cpu|cuda(:\d+)?", value) is not None
    return None if ok else "'auto', 'cpu', 'cuda' or 'cuda:N' (N a GPU index)"


def folder_name(value: str, empty_ok: bool = False) -> str | None:
    """A plain folder name: no '/' or '\\', not '.' or '..' (empty only when empty_ok)."""
    if value == "" and empty_ok:
        return None
    plain = value not in ("", ".", "..") and not re.search(r"[/\\]", value)
    return None if plain and value == value.strip() else (
        "a plain folder name (not empty, no '/', not '..')")


def checkpoint_name(value: str) -> str | None:
    """'last', 'best' or 'epoch_<N>'."""
    ok = re.fullmatch(r"last|best|epoch_\d+", value) is not None
    return None if ok else "'last', 'best' or 'epoch_<N>'"


def betas(value: tuple) -> str | None:
    """Two Adam betas in [0, 1)."""
    ok = len(value) == 2 and all(isinstance(b, (int, float)) and 0 <= b < 1 for b in value)
    return None if ok else "2 entries, each in [0, 1)"


def block_fractions(value: tuple) -> str | None:
    """Three non-negative shares (train, valid, test) with a positive sum."""
    ok = len(value) == 3 and all(isinstance(f, (int, float)) and f >= 0 for f in value)
    return None if ok and sum(value) > 0 else "3 entries (train, valid, test), each >= 0"


def number(rule: Rule) -> Rule:
    """rule, after checking that the value is a number (not a bool)."""
    def check(value: Any) -> str | None:
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return rule(value) if is_number else "numbers"
    return check


def first_problem(values: Mapping[str, Any], rules: Mapping[str, Rule]) -> str | None:
    """'key=value is not allowed: it must be ...' for the first value a rule refuses."""
    for key, rule in rules.items():
        if key in values and values[key] is not None:
            allowed = rule(values[key])
            if allowed is not None:
                return f"{key}={values[key]!r} is not allowed: it must be {allowed}"
    return None
