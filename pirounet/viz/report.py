"""A self-contained HTML report of a run: metrics tables, then every figure and animation.

    write_report("results/pirounet_dance", metrics, title="PirouNet_dance")

Images, GIFs and small videos are embedded as base64 data URIs, so report.html is a single
file with no external assets: it opens offline and can be mailed or archived as it is.
"""
from __future__ import annotations

import base64
import datetime
import html
import math
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import quote

import numpy as np
from PIL import Image

from pirounet.atomic import write_text_atomic

REPORT_NAME = "report.html"
PAPER_TABLE_KEY = "paper_table"  # metrics[key]: a table row (or rows) for the paper
FIGURE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".svg": "image/svg+xml", ".webp": "image/webp"}
ANIMATION_TYPES = {".gif": "image/gif", ".mp4": "video/mp4", ".webm": "video/webm"}
MAX_EMBEDDED_VIDEO_BYTES = 16 * 2**20  # larger videos are linked by relative path instead
WIDE_ASPECT = 1.8  # images wider than this (comic strips, multi-panel GIFs) span the page

_CSS = """
:root { --fg: #1d2330; --muted: #5f6b7a; --line: #e2e6ed; --accent: #2f6fd0; }
* { box-sizing: border-box; }
body { margin: 0; background: #f7f8fa; color: var(--fg);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 32px 24px 64px; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line);
     font-size: 20px; }
h3 { margin: 22px 0 8px; font-size: 15px; color: #33404f; }
.meta { color: var(--muted); font-size: 13px; }
nav { margin-top: 12px; }
nav a { margin-right: 18px; color: var(--accent); text-decoration: none; font-size: 14px; }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line);
        margin-bottom: 12px; }
th, td { padding: 6px 14px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
thead th { background: #eef1f6; font-size: 13px; font-weight: 600; color: #33404f; }
tbody th { font-weight: 500; }
tbody tr:nth-child(even) { background: #fafbfd; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums;
         font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
table.matrix { margin: 0; }
table.matrix td { border: 1px solid var(--line); padding: 1px 8px; }
pre { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px;
      overflow-x: auto; font-size: 13px; }
.tables { display: flex; flex-wrap: wrap; gap: 0 36px; align-items: flex-start; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
           grid-auto-flow: dense; gap: 18px; align-items: start; }
figure { margin: 0; padding: 10px; background: #fff; border: 1px solid var(--line);
         border-radius: 8px; }
figure.wide { grid-column: 1 / -1; }
figure img, figure video { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { margin-top: 6px; font-size: 12px; color: var(--muted); word-break: break-all; }
.empty { color: var(--muted); font-style: italic; }
"""


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


def _is_leaf(value: Any) -> bool:
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


def _cell(value: Any) -> str:
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
        rows += [(path, value)] if _is_leaf(value) else _flatten(value, path)
    return rows


def _table(mapping: Mapping) -> str:
    """A dict of flat dicts (e.g. split -> metric) as a grid; anything else as name | value."""
    children = list(mapping.values())
    if children and all(not _is_leaf(c) and all(_is_leaf(v) for v in c.values())
                        for c in children):
        columns = list(dict.fromkeys(str(k) for c in children for k in c))
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join(
            f"<tr><th>{html.escape(str(name))}</th>"
            + "".join(_cell({str(k): v for k, v in row.items()}.get(c)) for c in columns)
            + "</tr>" for name, row in mapping.items()
        )
        return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"
    body = "".join(
        f"<tr><th>{' › '.join(html.escape(p) for p in path)}</th>{_cell(value)}</tr>"
        for path, value in _flatten(mapping)
    )
    head = "<thead><tr><th>metric</th><th>value</th></tr></thead>"
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _metrics_tables(metrics: Mapping) -> str:
    """Top-level plain values as a summary table, then one table per nested group."""
    summary = {k: v for k, v in metrics.items() if _is_leaf(v)}
    groups = [("Summary", summary)] if summary else []
    groups += [(str(k), v) for k, v in metrics.items() if not _is_leaf(v) and v]
    if not groups:
        return "<p class=empty>No metrics were given.</p>"
    return "<div class=tables>" + "".join(
        f"<div><h3>{html.escape(name)}</h3>{_table(group)}</div>" for name, group in groups
    ) + "</div>"


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


def _paper_rows(table: Mapping | Sequence[Mapping]) -> list[Mapping]:
    """Table rows from one row, a list of rows, or a dict of row name -> row."""
    if not isinstance(table, Mapping):
        return list(table)
    if all(not _is_leaf(row) for row in table.values()):
        return [{"": name, **row} for name, row in table.items()]
    return [table]


def _paper_blocks(table: Any) -> str:
    """The paper table row: given Markdown/LaTeX text, or built from column -> value rows."""
    if isinstance(table, str):
        blocks = [("Table row", table)]
    elif isinstance(table, Mapping) and {"markdown", "latex"} & set(table):
        blocks = [(name.capitalize() if name != "latex" else "LaTeX", str(table[name]))
                  for name in ("markdown", "latex") if name in table]
    else:
        rows = _paper_rows(table)
        blocks = [("Markdown", paper_table_markdown(rows)), ("LaTeX", paper_table_latex(rows))]
    return "".join(f"<h3>{html.escape(name)}</h3><pre>{html.escape(text)}</pre>"
                   for name, text in blocks)


def _media_files(results_dir: Path, types: Mapping[str, str]) -> list[Path]:
    """Files of the given types under results_dir, skipping hidden folders, sorted by path."""
    return sorted(
        p for p in results_dir.rglob("*")
        if p.suffix.lower() in types and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(results_dir).parts)
    )


def _figure(path: Path, results_dir: Path, mime: str) -> str:
    """One <figure>: the file embedded as a data URI (big videos linked relatively)."""
    rel = path.relative_to(results_dir).as_posix()
    caption = html.escape(rel)
    wide = ""
    if mime in ("image/png", "image/jpeg", "image/gif", "image/webp"):
        try:
            with Image.open(path) as image:
                wide = " class=wide" if image.width > WIDE_ASPECT * image.height else ""
        except OSError:
            pass  # unreadable image: still embedded, and the browser shows it as broken
    if mime.startswith("video/") and path.stat().st_size > MAX_EMBEDDED_VIDEO_BYTES:
        media = (f'<video controls loop muted src="{html.escape(quote(rel))}"></video>'
                 f"<p class=empty>Linked, not embedded: the video is over "
                 f"{MAX_EMBEDDED_VIDEO_BYTES // 2**20} MiB.</p>")
    else:
        uri = f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
        media = (f'<video controls loop muted autoplay playsinline src="{uri}"></video>'
                 if mime.startswith("video/") else f'<img src="{uri}" alt="{caption}">')
    return f"<figure{wide}>{media}<figcaption>{caption}</figcaption></figure>"


def _gallery(results_dir: Path, types: Mapping[str, str]) -> str:
    """A section of embedded media, grouped under one sub-heading per folder."""
    groups: dict[str, list[str]] = {}
    for path in _media_files(results_dir, types):
        folder = path.parent.relative_to(results_dir).as_posix()
        groups.setdefault(folder, []).append(
            _figure(path, results_dir, types[path.suffix.lower()]))
    return "".join(
        (f"<h3>{html.escape(folder)}/</h3>" if folder != "." else "")
        + f"<div class=gallery>{''.join(figures)}</div>"
        for folder, figures in groups.items()
    )


def write_report(
    results_dir: str | Path, metrics: Mapping[str, Any], title: str = "PirouNet results"
) -> Path:
    """Write results_dir/report.html: metrics, paper table row, every PNG/GIF/MP4 embedded."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    metrics = dict(metrics)
    paper_table = metrics.pop(PAPER_TABLE_KEY, None)
    sections = [  # (anchor, heading, html); empty ones are left out of the page and the nav
        ("metrics", "Metrics", _metrics_tables(metrics)),
        ("paper-table", "Paper table", _paper_blocks(paper_table) if paper_table else ""),
        ("figures", "Figures", _gallery(results_dir, FIGURE_TYPES)),
        ("animations", "Animations", _gallery(results_dir, ANIMATION_TYPES)),
    ]
    sections = [(a, h, body) for a, h, body in sections if body]
    nav = "".join(f'<a href="#{a}">{h}</a>' for a, h, _ in sections)
    content = "".join(f"<section id={a}><h2>{h}</h2>{body}</section>" for a, h, body in sections)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<header><h1>{html.escape(title)}</h1><div class=meta>"
        f"{html.escape(results_dir.resolve().name)} · generated {stamp}</div>"
        f"<nav>{nav}</nav></header>{content}</main></body></html>\n"
    )
    # The temp file is hidden (a leading dot), so a crash leaves no stray page in the report.
    return write_text_atomic(results_dir / REPORT_NAME, page)
