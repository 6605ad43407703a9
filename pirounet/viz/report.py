"""A self-contained HTML report of a run: metrics tables, then every figure and animation.

    write_report("results/pirounet_dance", metrics, title="PirouNet_dance", guide=guide)

Images, GIFs and small videos are embedded as base64 data URIs, so report.html is a single
file with no external assets: it opens offline and can be mailed or archived as it is. An
animation written both as GIF and as MP4 (same folder and name) is shown once, in the smaller
of the two files (a silent MP4 plays in a <video controls loop muted autoplay> element; one
with a soundtrack waits for play, with its sound).

Some top-level keys of `metrics` get a block of their own instead of a table: "warnings" (a
list of sentences, in a box at the top), "headline" (figure -> {"value", "target", "pass_if",
"passed", inputs...}), "training_curves" ({"figure": a PNG under results_dir} or {"skipped":
why}), "paper_table" and "configs" (name -> settings, collapsed at the bottom). A Guide gives
the words: readable names next to the raw keys, and a paragraph per section, table and folder.
"""
from __future__ import annotations

import base64
import datetime
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from PIL import Image

from pirounet.run.atomic import write_text_atomic
from pirounet.viz.tables import (
    Guide,
    cell_html,
    format_value,
    is_leaf,
    paper_table_latex,
    paper_table_markdown,
    table_html,
)

__all__ = ["Guide", "format_value", "paper_table_latex", "paper_table_markdown", "write_report"]

REPORT_NAME = "report.html"
PAPER_TABLE_KEY = "paper_table"  # metrics[key]: a table row (or rows) for the paper
WARNINGS_KEY, HEADLINE_KEY, CURVES_KEY, CONFIGS_KEY = (
    "warnings", "headline", "training_curves", "configs")
SYMBOLS = {"<=": "≤", ">=": "≥", "<": "&lt;", ">": "&gt;"}  # a headline figure's pass_if
SECTION_TITLES = {"headline": "Headline", "training": "Training curves", "metrics": "Metrics",
                  "paper-table": "Paper table", "figures": "Figures",
                  "animations": "Animations", "configs": "Configs"}
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
.group { flex: 1 1 440px; }
p.note { max-width: 78ch; margin: 2px 0 10px; color: #3d4654; font-size: 14px; }
code.key { margin-left: 6px; padding: 0 4px; border-radius: 3px; background: #eef1f6;
           color: var(--muted); font-size: 11px; font-weight: 400; }
.warnings { margin: 22px 0 0; padding: 10px 18px; background: #fff4e5; border: 1px solid #f0b429;
            border-left: 6px solid #e8590c; border-radius: 6px; }
.warnings strong { color: #a03e00; }
.warnings ul { margin: 6px 0 2px; padding-left: 20px; }
.ok { margin: 22px 0 0; color: #2b8a3e; }
.pass { color: #2b8a3e; font-weight: 600; white-space: nowrap; }
.fail { color: #c92a2a; font-weight: 600; white-space: nowrap; }
details { margin-bottom: 10px; padding: 8px 12px; background: #fff; border: 1px solid var(--line);
          border-radius: 6px; }
summary { cursor: pointer; font-weight: 600; }
"""


def _metrics_tables(metrics: Mapping, guide: Guide = Guide()) -> str:
    """Top-level plain values as a summary table, then one table per nested group.

    A group's key may be a dotted metrics.json path ("quantitative.ajd"): its table is then
    named and explained as that path.
    """
    summary = {k: v for k, v in metrics.items() if is_leaf(v)}
    groups = [("Summary", summary)] if summary else []
    groups += [(str(k), v) for k, v in metrics.items() if not is_leaf(v) and v]
    if not groups:
        return "<p class=empty>No metrics were given.</p>"
    return "<div class=tables>" + "".join(
        f"<div class=group><h3>{guide.heading(name)}</h3>{guide.note(name)}"
        f"{table_html(group, [] if name == 'Summary' else name.split('.'), guide)}</div>"
        for name, group in groups
    ) + "</div>"


def _warnings(warnings: Sequence[str]) -> str:
    """The warning box (or a line saying there is none)."""
    if not warnings:
        return "<p class=ok>✔ No warnings.</p>"
    items = "".join(f"<li>{html.escape(str(w))}</li>" for w in warnings)
    plural = "s" if len(warnings) > 1 else ""
    return (f"<div class=warnings role=alert><strong>⚠ {len(warnings)} warning{plural}: read "
            f"before trusting the numbers</strong><ul>{items}</ul></div>")


def _headline(figures: Mapping[str, Mapping], guide: Guide) -> str:
    """Figure | value | target | result | from | what it means, one row per headline figure."""
    if not figures:
        return "<p class=empty>No headline figure: the sections they need were switched off.</p>"
    rows = []
    for key, fig in figures.items():
        inputs = ", ".join(f"{k} = {format_value(v)}" for k, v in fig.items()
                           if k not in ("value", "target", "pass_if", "passed"))
        mark = ("<span class=pass>✔ pass</span>" if fig.get("passed")
                else "<span class=fail>✘ fail</span>")
        rows.append(
            f"<tr><th>{guide.label([HEADLINE_KEY], [key])}</th>{cell_html(fig.get('value'))}"
            f"<td class=num>{SYMBOLS.get(fig.get('pass_if'), '')} "
            f"{html.escape(format_value(fig.get('target')))}</td><td>{mark}</td>"
            f"<td>{html.escape(inputs)}</td>"
            f"<td>{html.escape(guide.notes.get(f'{HEADLINE_KEY}.{key}', ''))}</td></tr>")
    head = ("<thead><tr><th>figure</th><th>value</th><th>target</th><th>result</th>"
            "<th>from</th><th>what it means</th></tr></thead>")
    return f"<table>{head}<tbody>{''.join(rows)}</tbody></table>"


def _curves(info: Mapping[str, Any], results_dir: Path) -> str:
    """The training-curves figure, or why there is none."""
    figure = results_dir / str(info.get("figure", ""))
    if info.get("figure") and figure.is_file():
        return f"<div class=gallery>{_figure(figure, results_dir, 'image/png')}</div>"
    return f"<p class=empty>No training curves: {html.escape(str(info.get('skipped', '')))}</p>"


def _configs(configs: Mapping[str, Mapping], guide: Guide) -> str:
    """Each config as a name | value table in a collapsed <details>."""
    return "".join(f"<details><summary>{guide.heading(str(name))}</summary>"
                   f"{table_html(config, [str(name)])}</details>"
                   for name, config in configs.items())


def _paper_rows(table: Mapping | Sequence[Mapping]) -> list[Mapping]:
    """Table rows from one row, a list of rows, or a dict of row name -> row."""
    if not isinstance(table, Mapping):
        return list(table)
    if all(not is_leaf(row) for row in table.values()):
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


def _media_files(results_dir: Path, types: Mapping[str, str],
                 skip: frozenset[Path] = frozenset()) -> list[Path]:
    """Files of the given types under results_dir, skipping hidden folders, sorted by path."""
    return sorted(
        p for p in results_dir.rglob("*")
        if p.suffix.lower() in types and p.is_file() and p not in skip
        and not any(part.startswith(".") for part in p.relative_to(results_dir).parts)
    )


def smaller_of_pairs(paths: Sequence[Path]) -> list[Path]:
    """Paths without the larger file of each same-named animation pair (x.gif and x.mp4)."""
    by_stem: dict[Path, list[Path]] = {}
    for p in paths:
        if p.suffix.lower() in ANIMATION_TYPES:
            by_stem.setdefault(p.with_suffix(""), []).append(p)
    drop = set()
    for twins in by_stem.values():
        if len(twins) > 1:
            keep = min(twins, key=lambda p: (p.stat().st_size, p.suffix.lower() != ".gif"))
            drop.update(p for p in twins if p != keep)
    return [p for p in paths if p not in drop]


def has_audio(path: Path) -> bool:
    """Whether an MP4 holds an AAC audio track: its sample entry box 'mp4a' (how ffmpeg, and
    pirounet/viz/soundtrack.py, store a song)."""
    return b"mp4a" in path.read_bytes()


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
    # A silent video plays by itself; one with a soundtrack (a dance to its song) waits for
    # play, since browsers refuse to autoplay sound and a muted dance would lose its music.
    video = ("controls loop" if mime.startswith("video/") and has_audio(path)
             else "controls loop muted autoplay playsinline")
    if mime.startswith("video/") and path.stat().st_size > MAX_EMBEDDED_VIDEO_BYTES:
        media = (f'<video {video} src="{html.escape(quote(rel))}"></video>'
                 f"<p class=empty>Linked, not embedded: the video is over "
                 f"{MAX_EMBEDDED_VIDEO_BYTES // 2**20} MiB.</p>")
    else:
        uri = f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
        media = (f'<video {video} src="{uri}"></video>'
                 if mime.startswith("video/") else f'<img src="{uri}" alt="{caption}">')
    return f"<figure{wide}>{media}<figcaption>{caption}</figcaption></figure>"


def _gallery(results_dir: Path, types: Mapping[str, str], guide: Guide = Guide(),
             skip: frozenset[Path] = frozenset()) -> str:
    """A section of embedded media, grouped under one sub-heading (and note) per folder."""
    groups: dict[str, list[str]] = {}
    for path in smaller_of_pairs(_media_files(results_dir, types, skip)):
        folder = path.parent.relative_to(results_dir).as_posix()
        groups.setdefault(folder, []).append(
            _figure(path, results_dir, types[path.suffix.lower()]))
    return "".join(
        (f"<h3>{html.escape(folder)}/</h3>{guide.note(folder + '/')}" if folder != "." else "")
        + f"<div class=gallery>{''.join(figures)}</div>"
        for folder, figures in groups.items()
    )


def write_report(results_dir: str | Path, metrics: Mapping[str, Any],
                 title: str = "Results", guide: Guide = Guide()) -> Path:
    """Write results_dir/report.html: metrics, paper table row, every PNG/GIF/MP4 embedded.

    The keys named in the module docstring get their own blocks; the guide gives the words.
    """
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    metrics = dict(metrics)
    paper_table = metrics.pop(PAPER_TABLE_KEY, None)
    warnings = metrics.pop(WARNINGS_KEY, None)
    headline = metrics.pop(HEADLINE_KEY, None)
    curves = metrics.pop(CURVES_KEY, None)
    configs = metrics.pop(CONFIGS_KEY, None)
    shown = frozenset([results_dir / str(curves["figure"])] if curves and curves.get("figure")
                      else [])
    bodies = {  # anchor -> html; empty ones are left out of the page and the nav
        "headline": _headline(headline, guide) if headline is not None else "",
        "training": _curves(curves, results_dir) if curves else "",
        "metrics": _metrics_tables(metrics, guide),
        "paper-table": _paper_blocks(paper_table) if paper_table else "",
        "figures": _gallery(results_dir, FIGURE_TYPES, guide, shown),
        "animations": _gallery(results_dir, ANIMATION_TYPES, guide),
        "configs": _configs(configs, guide) if configs else "",
    }
    sections = [(a, html.escape(guide.names.get(f"#{a}", SECTION_TITLES[a])), body)
                for a, body in bodies.items() if body]
    nav = "".join(f'<a href="#{a}">{h}</a>' for a, h, _ in sections)
    content = "".join(f"<section id={a}><h2>{h}</h2>{guide.note(f'#{a}')}{body}</section>"
                      for a, h, body in sections)
    box = _warnings(warnings) if warnings is not None else ""
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<header><h1>{html.escape(title)}</h1><div class=meta>"
        f"{html.escape(results_dir.resolve().name)} · generated {stamp}</div>"
        f"<nav>{nav}</nav>{box}</header>{content}</main></body></html>\n"
    )
    # The temp file is hidden (a leading dot), so a crash leaves no stray page in the report.
    return write_text_atomic(results_dir / REPORT_NAME, page)
