"""Metric values as text, nested metric dicts as HTML tables, paper-table rows as Markdown
and LaTeX, and the Guide that names metric keys for a reader (used by report.py).
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class Guide:
    """Words for a reader: readable names of metric keys and a paragraph per part of the page.

    names: dotted key -> name; a key path is looked up by its longest ending that is held
    ("quantitative.generated.fid", "generated.fid", "fid"). notes: "#<section>", a table's
    dotted key, "<folder>/" or "<headline key>.<figure>" -> paragraph.
    """

    names: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)

    def name(self, path: Sequence[str]) -> tuple[str, int] | None:
        """(name, number of trailing parts of path it names), or None."""
        for i in range(len(path)):
            key = ".".join(path[i:])
            if key in self.names:
                return self.names[key], len(path) - i
        return None

    def note(self, key: str) -> str:
        """The paragraph for key as HTML (empty if there is none)."""
        text = self.notes.get(key)
        return f"<p class=note>{html.escape(text)}</p>" if text else ""

    def label(self, group: Sequence[str], row: Sequence[str]) -> str:
        """HTML name of a row path under a group: readable name, raw key in small type."""
        for j in range(len(row), 0, -1):
            hit = self.name([*group, *row[:j]])
            if hit:
                name, k = hit
                parts = [*row[:max(j - k, 0)], name, *row[j:]]
                full = ".".join([*group, *row])
                return (f'<span title="{html.escape(full)}">'
                        f"{' › '.join(html.escape(p) for p in parts)}</span>"
                        f"<code class=key>{html.escape('.'.join(row))}</code>")
        return " › ".join(html.escape(p) for p in row)

    def heading(self, key: str) -> str:
        """HTML heading of a table: its readable name and its raw key, or the raw key."""
        hit = self.name(key.split("."))
        if hit is None:
            return html.escape(key)
        return f"{html.escape(hit[0])}<code class=key>{html.escape(key)}</code>"


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as Python numbers and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _is_mean_std(value: Any) -> bool:
    """A {"mean": ..., "std": ...} dict is one value, not a nested table."""
    return isinstance(value, Mapping) and "mean" in value and "std" in value


def is_leaf(value: Any) -> bool:
    """True for anything shown in one table cell."""
    return not isinstance(value, Mapping) or _is_mean_std(value)


def _is_number(value: Any) -> bool:
    """Real numbers, numpy ones included, but not booleans."""
    value = _plain(value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _mean_std(mean: float, std: float) -> str:
    """mean ± std, both rounded to the std's second significant digit."""
    if not (math.isfinite(mean) and math.isfinite(std)) or std == 0:
        return f"{mean:.4g} ± {std:.2g}"
    digits = min(max(1 - math.floor(math.log10(abs(std))), 0), 6)
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def format_value(value: Any) -> str:
    """Plain-text form of one metric value (numbers, mean ± std, lists, strings)."""
    value = _plain(value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if _is_mean_std(value):
        extra = [f"{k} = {format_value(v)}" for k, v in value.items() if k not in ("mean", "std")]
        text = _mean_std(float(_plain(value["mean"])), float(_plain(value["std"])))
        return f"{text} ({', '.join(extra)})" if extra else text
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def cell_html(value: Any) -> str:
    """One <td>: numbers right-aligned, matrices (e.g. confusion) as a small table."""
    value = _plain(value)
    is_matrix = isinstance(value, (list, tuple)) and value and all(
        isinstance(row, (list, tuple)) and all(_is_number(x) for x in row) for row in value
    )
    if is_matrix:
        rows = "".join(
            "<tr>" + "".join(f"<td class=num>{html.escape(format_value(x))}</td>" for x in row)
            + "</tr>" for row in value
        )
        return f"<td><table class=matrix>{rows}</table></td>"
    numeric = _is_number(value) or _is_mean_std(value)
    return f"<td{' class=num' if numeric else ''}>{html.escape(format_value(value))}</td>"


def _flatten(mapping: Mapping, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(key path, leaf value) pairs of a nested dict, in insertion order."""
    rows = []
    for key, value in mapping.items():
        path = prefix + (str(key),)
        rows += [(path, value)] if is_leaf(value) else _flatten(value, path)
    return rows


def table_html(mapping: Mapping, group: Sequence[str] = (), guide: Guide = Guide()) -> str:
    """A dict of flat dicts (e.g. split -> metric) as a grid; anything else as name | value.

    group: the table's key path, so that the guide can name its rows and columns.
    """
    children = list(mapping.values())
    if children and all(not is_leaf(c) and all(is_leaf(v) for v in c.values())
                        for c in children):
        columns = list(dict.fromkeys(str(k) for c in children for k in c))
        head = "".join(f"<th>{guide.label(group, [c])}</th>" for c in columns)
        body = "".join(
            f"<tr><th>{guide.label(group, [str(name)])}</th>"
            + "".join(cell_html({str(k): v for k, v in row.items()}.get(c)) for c in columns)
            + "</tr>" for name, row in mapping.items()
        )
        return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"
    body = "".join(f"<tr><th>{guide.label(group, path)}</th>{cell_html(value)}</tr>"
                   for path, value in _flatten(mapping))
    head = "<thead><tr><th>metric</th><th>value</th></tr></thead>"
    return f"<table>{head}<tbody>{body}</tbody></table>"



def _latex_escape(text: str) -> str:
    """Escape LaTeX specials; ± becomes $\\pm$."""
    specials = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}", "±": r"$\pm$"}
    return "".join(specials.get(ch, ch) for ch in text)


def paper_table_markdown(rows: Sequence[Mapping]) -> str:
    """Rows (column -> value dicts) as a Markdown table."""
    columns = list(dict.fromkeys(str(k) for row in rows for k in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = {str(k): format_value(v).replace("|", r"\|") for k, v in row.items()}
        lines.append("| " + " | ".join(cells.get(c, "") for c in columns) + " |")
    return "\n".join(lines)


def paper_table_latex(rows: Sequence[Mapping]) -> str:
    """Rows (column -> value dicts) as a LaTeX booktabs tabular."""
    columns = list(dict.fromkeys(str(k) for row in rows for k in row))
    lines = [r"\begin{tabular}{l" + "c" * (len(columns) - 1) + "}", r"\toprule",
             " & ".join(_latex_escape(c) for c in columns) + r" \\", r"\midrule"]
    for row in rows:
        cells = {str(k): format_value(v) for k, v in row.items()}
        lines.append(" & ".join(_latex_escape(cells.get(c, "")) for c in columns) + r" \\")
    return "\n".join(lines + [r"\bottomrule", r"\end{tabular}"])
