"""One resolved config per run: defaults file, then override files, then --key=value.

    cfg = load_config("default_config.py", ["configs/quickstart.py", "--epochs=3"], rules)

Override files are Python files holding plain assignments; only keys that exist in the
defaults may be set. Command-line values are parsed with ast.literal_eval, so wandb sweep
agents (which pass `--key=value` and booleans as `True`/`False`) work unchanged.

A loaded config is checked against a rule table that the system passes in (rules.py; for
PirouNet, pirounet/systems/pirounet/settings.py). This module knows no system: defaults_file finds a
system's defaults file in the checkout or, for an installed package, in the copies the wheel
ships in pirounet/defaults/ (see setup.py).
"""
from __future__ import annotations

import ast
import difflib
import io
import json
import math
import runpy
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from pirounet.run.rules import Rule, first_problem


def defaults_file(name: str) -> Path:
    """A defaults file: the checkout's top-level copy, else the one shipped in the package."""
    package = Path(__file__).resolve().parents[1]  # pirounet/
    checkout = package.parent / name
    return checkout if checkout.is_file() else package / "defaults" / name


class ConfigError(ValueError):
    """A config key or value that does not fit the defaults."""


class Config:
    """Attribute access to a flat dict of settings; keys are fixed at creation."""

    def __init__(self, values: Mapping[str, Any]):
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"config has no key {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in self._values:
            raise ConfigError(f"unknown config key {key!r}")
        self._values[key] = value

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def __repr__(self) -> str:
        return f"Config({self._values!r})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy (tuples become lists)."""
        return json.loads(json.dumps(self._values))

    def replace(self, **changes: Any) -> "Config":
        """A copy with some keys changed (types checked)."""
        values = dict(self._values)
        for key, value in changes.items():
            values[key] = _coerce(key, value, values, source="replace()")
        return Config(values)

    def save_json(self, path: str | Path) -> None:
        """Write the config as indented JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")


def read_settings(path: str | Path) -> dict[str, Any]:
    """The public, non-module names a config file assigns."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    namespace = runpy.run_path(str(path))
    return {
        k: v
        for k, v in namespace.items()
        if not k.startswith("_") and not callable(v) and type(v).__name__ != "module"
    }


def _type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def _finite(value: Any) -> bool:
    """False when value is, or holds (in a tuple or list), an infinite or NaN float."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (tuple, list)):
        return all(_finite(v) for v in value)
    return True


def _coerce(key: str, value: Any, defaults: Mapping[str, Any], source: str) -> Any:
    """Check `value` against the default's type, and that its numbers are finite."""
    if key not in defaults:
        close = difflib.get_close_matches(key, list(defaults), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ConfigError(f"{source}: unknown config key {key!r}{hint}")
    if not _finite(value):  # 1e999 parses as inf: no setting means that
        raise ConfigError(f"{source}: config key {key!r} must be a finite number, got {value!r}")
    default = defaults[key]
    if default is None:
        return value
    if value is None:
        raise ConfigError(f"{source}: config key {key!r} may not be None: it expects "
                          f"{_type_name(default)} (default {default!r})")
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, (tuple, list)):
        if isinstance(value, (tuple, list)):
            return tuple(value)
    elif isinstance(value, type(default)):
        return value
    raise ConfigError(
        f"{source}: config key {key!r} expects {_type_name(default)} "
        f"(default {default!r}), got {_type_name(value)} {value!r}"
    )


def _parse_cli_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text  # a bare word such as --effort=space is a string


def _renamed(key: str, renamed: Mapping[str, str], source: str) -> None:
    """A ConfigError naming the new key when key is one a defaults file renamed."""
    if key in renamed:
        raise ConfigError(f"{source}: config key {key!r} is now called {renamed[key]!r}; "
                          f"rename it there")


def load_config(defaults_path: str | Path, args: Iterable[str] = (),
                rules: Mapping[str, Rule] | None = None,
                renamed: Mapping[str, str] | None = None) -> Config:
    """Defaults, then override files (*.py), then --key=value, in the order given; then rules.

    renamed: {old key: new key} of keys the defaults file renamed; an old one is an error
    that names the new one.
    """
    defaults = read_settings(defaults_path)
    values = dict(defaults)
    for arg in args:
        if arg.startswith("--"):
            if "=" not in arg:
                raise ConfigError(f"command-line setting {arg!r} must be written --key=value "
                                  "(--help lists every setting)")
            key, text = cli_key(arg), arg.partition("=")[2]
            _renamed(key, renamed or {}, arg)
            values[key] = _coerce(key, _parse_cli_value(text), defaults, source=arg)
        elif arg.endswith(".py"):
            for key, value in read_settings(arg).items():
                _renamed(key, renamed or {}, arg)
                values[key] = _coerce(key, value, defaults, source=arg)
        else:
            raise ConfigError(
                f"argument {arg!r} is neither an override file (*.py) nor --key=value "
                "(--help lists every setting)"
            )
    problem = first_problem(values, rules or {})
    if problem is not None:
        raise ConfigError(problem)
    return Config(values)


def cli_key(arg: str) -> str:
    """The setting a --key=value argument names; "-" in the key reads as "_"."""
    return arg[2:].partition("=")[0].replace("-", "_")


def keys_named(args: Iterable[str]) -> set[str]:
    """The settings that override files and --key=value strings set."""
    keys: set[str] = set()
    for arg in args:
        if arg.startswith("--"):
            keys.add(cli_key(arg))
        else:
            keys.update(read_settings(arg))
    return keys


def config_from_dict(saved: Mapping[str, Any], defaults_path: str | Path) -> Config:
    """Rebuild a run's config (e.g. from a checkpoint): defaults, then the saved values."""
    defaults = read_settings(defaults_path)
    values = dict(defaults)
    for key, value in saved.items():
        values[key] = _coerce(key, value, defaults, source="saved config")
    return Config(values)


def run_config(saved: Mapping[str, Any] | None, args: Iterable[str], defaults_path: str | Path,
               rules: Mapping[str, Rule] | None = None) -> Config:
    """A run's config rebuilt from the one it saved, with the keys args name on top; checked.

    saved None (a checkpoint in a format without a config): the defaults with all of args,
    as for a fresh run. The one way training, evaluation and the tools rebuild a run.
    """
    args = list(args)
    given = load_config(defaults_path, args, rules)
    if saved is None:
        return given
    cfg = config_from_dict(saved, defaults_path).replace(
        **{key: given[key] for key in keys_named(args)})
    problem = first_problem(cfg.to_dict(), rules or {})
    if problem is not None:
        raise ConfigError(f"saved config: {problem}")
    return cfg


# ---- --help: every setting of a defaults file, read from its source

HELP_FLAGS = ("-h", "--help")
LAYERING = """\
Settings are layered left to right: the defaults file, then each override file (a Python file
of plain assignments to settings listed below, such as those in configs/), then each
--key=value. A value is a Python literal (3, 1e-3, True, None, "text", (0.9, 0.99)); a bare
word is a string; "-" in a key reads as "_". Quote values with spaces or brackets for the
shell: --key="(0.9, 0.99)". An unknown key or a value of the wrong type is refused."""


@dataclass(frozen=True)
class Setting:
    """One setting of a defaults file: name, default as written, comment and section."""

    name: str
    default: str
    comment: str
    section: str


def _comments(source: str) -> tuple[dict[int, str], set[int]]:
    """Comment text by line number, and the lines that hold nothing but a comment."""
    text, alone = {}, set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            line = tok.start[0]
            text[line] = tok.string[1:].strip()
            if not tok.line[:tok.start[1]].strip():
                alone.add(line)
    return text, alone


def _section_name(comment: str) -> str | None:
    """"run" for a header comment "# ---------- run", else None."""
    return comment.strip("- ") if comment.startswith("----") else None


def _block_below(line: int, comments: dict[int, str], alone: set[int],
                 headers: dict[int, str]) -> list[str]:
    """The comment-only lines from `line` down to the first other line or section header."""
    block = []
    while line in alone and line not in headers:
        block.append(comments[line])
        line += 1
    return block


def describe_file(path: str | Path) -> tuple[list[Setting], dict[str, str]]:
    """The settings of a defaults file in order, and the note under each section header.

    A setting is a top-level `name = value  # comment`; comment-only lines right below it
    continue its comment. A comment line "# ---- name" starts the section "name", and the
    comment-only lines right below it are the section's note.
    """
    source = Path(path).read_text()
    comments, alone = _comments(source)
    headers = {line: name for line, text in comments.items()
               if line in alone and (name := _section_name(text)) is not None}
    notes = {name: " ".join(_block_below(line + 1, comments, alone, headers))
             for line, name in headers.items()}
    settings = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        parts = [comments[line] for line in range(node.lineno, node.end_lineno + 1)
                 if line in comments and line not in alone]
        parts += _block_below(node.end_lineno + 1, comments, alone, headers)
        default = " ".join(ast.get_source_segment(source, node.value).split())
        above = [line for line in headers if line < node.lineno]
        section = headers[max(above)] if above else ""
        for target in targets:
            if isinstance(target, ast.Name) and not target.id.startswith("_"):
                settings.append(Setting(target.id, default, " ".join(parts), section))
    return settings, notes


def _fill(text: str, width: int, first: str, rest: str) -> str:
    """Wrap text to width, breaking only at spaces (paths and "--key=value" stay whole)."""
    return textwrap.fill(text, width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)


def settings_help(path: str | Path, width: int = 100) -> str:
    """Every setting of a defaults file, by section: --name=default, then its comment."""
    settings, notes = describe_file(path)
    heads = [f"  --{s.name}={s.default}" for s in settings]
    column = min(max(map(len, heads), default=0) + 2, 36)
    lines, section = [], None
    for setting, head in zip(settings, heads):
        if setting.section != section:
            section = setting.section
            lines += ["", f"{section or 'settings'}:"]
            if notes.get(section):
                lines.append(_fill(notes[section], width, "  ", "  "))
        if not setting.comment:
            lines.append(head)
            continue
        if len(head) > column - 2:
            lines.append(head)
            head = ""
        lines.append(_fill(setting.comment, width, head.ljust(column), " " * column))
    return "\n".join(lines)


def wants_help(args: Iterable[str]) -> bool:
    """True when the command line asks for --help (or -h)."""
    return any(arg in HELP_FLAGS for arg in args)


def help_text(script: str, defaults_path: str | Path, about: str) -> str:
    """--help of an entry point: usage, its docstring, how settings layer, every setting."""
    path = Path(defaults_path)
    notes = ast.get_docstring(ast.parse(path.read_text())) or ""
    return "\n".join([f"usage: python {script} [OVERRIDE.py ...] [--key=value ...]", "",
                      textwrap.dedent(about).strip(), "", LAYERING, "",
                      f"---- settings: {path.name}", "", notes, settings_help(path)])
