"""The labeling app's HTTP server: fixed static files, a small JSON API, the label store.

    GET  /, /static/app.js, /static/style.css   the page (whitelisted names only)
    GET  /api/state                             modes, fields, labels so far, progress, axes
    GET  /api/block/<i>                         stick-figure segments (seq_len, 22, 2, 3)
    POST /api/label  {"block": i, <field>: v}   save one block's labels -> 200, or 400 + why

Label mode shows a recording in blocks of seq_len frames (stride seq_len) and writes
`start,space,time`; blind mode shows generated sequences in their stored order and
writes `seq_index,danceability,time`. Nothing else on disk can be reached through a URL.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import re
from dataclasses import asdict, dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from pirounet.skeletons import VICON_53
from pirounet.systems.pirounet.data import DataError, load_recordings
from pirounet.systems.pirounet.data.label_files import (
    BLIND_COLUMNS,
    BLIND_SEQUENCES_FILE,
    LABEL_COLUMNS,
    NA,
    check_recordings_identity,
    read_blind_info,
    recordings_identity,
    write_recordings_identity,
)
from pirounet.systems.pirounet.efforts import EFFORTS, NA_HINT, effort
from pirounet.systems.pirounet.label_app.store import LabelError, LabelStore

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {  # URL path -> (file in static/, content type); nothing else is served
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}
BLOCK_URL = re.compile(r"/api/block/([0-9]{1,9})")
MAX_BODY = 4096  # bytes; a label is a few dozen
REQUEST_TIMEOUT = 20.0  # seconds: an idle or slow connection is closed after this


def _names_this_server(netloc: str, port: int) -> bool:
    """netloc is "<IP literal or localhost>:<port>" (port may be left out only for port 80)."""
    host, sep, given = netloc.rpartition(":") if not netloc.endswith("]") else (netloc, "", "")
    if not sep:
        host, given = netloc, "80"
    if given != str(port):
        return False
    host = host.lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Option:
    """One choice of a field: the value written to the CSV and its on-page words."""

    value: int
    name: str
    hint: str
    keys: tuple[str, ...]  # keyboard shortcuts, as the page names them ("1", "q", "shift+1")


@dataclass(frozen=True)
class Field:
    """One labelled quantity (a CSV column) and its choices."""

    name: str
    title: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Mode:
    """What is labelled and how it is written: the CSV key and columns, and the page's fields."""

    name: str
    unit: str  # what one item is called on the page
    key_name: str  # the CSV's first column
    columns: tuple[str, ...]  # the other CSV columns, in file order
    fields: tuple[Field, ...]  # in page order

    def store_columns(self) -> list[tuple[str, set[int]]]:
        """(column, allowed values) in CSV order, for LabelStore."""
        by_name = {f.name: f for f in self.fields}
        return [(c, {o.value for o in by_name[c].options}) for c in self.columns]


def _effort_field(name: str, column: str, values: tuple[int, ...],
                  keys: tuple[tuple[str, ...], ...]) -> Field:
    """Laban effort `name` in CSV `column`, with the given values and keys for low ... N/A."""
    e = effort(name)
    words = [*zip(e.classes, e.hints), ("N/A", NA_HINT)]
    options = [Option(v, word, hint, k) for v, k, (word, hint) in zip(values, keys, words)]
    return Field(column, e.title, tuple(options))


DIGITS = (("1",), ("2",), ("3",), ("4",))
DANCE_FIELD = Field("danceability", "Danceability", (
    Option(1, "a dance", "plausible, intentional human dance", ("d",)),
    Option(0, "not a dance", "broken, implausible or frozen motion", ("x",)),
))
LABEL_MODE = Mode("label", "block", LABEL_COLUMNS[0], LABEL_COLUMNS[1:], (
    _effort_field("time", EFFORTS["time"].column, (1, 2, 3, NA), DIGITS),
    _effort_field("space", EFFORTS["space"].column, (1, 2, 3, NA),
                  tuple((letter, f"shift+{v}") for letter, v in zip("qwer", (1, 2, 3, NA)))),
))


def blind_mode(effort: str = "time") -> Mode:
    """Blind mode: the 0-based `time` column (4 = N/A) holds the export's effort."""
    return Mode("blind", "sequence", BLIND_COLUMNS[0], BLIND_COLUMNS[1:], (
        DANCE_FIELD, _effort_field(effort, BLIND_COLUMNS[2], (0, 1, 2, NA), DIGITS)))


BLIND_MODE = blind_mode("time")


@dataclass
class Task:
    """The items to label: windows poses[starts[i] : starts[i] + seq_len], CSV keys keys[i]."""

    mode: Mode
    poses: np.ndarray  # (T, 53, 3)
    starts: np.ndarray  # (n,) first frame of each item in poses
    keys: np.ndarray  # (n,) what the CSV calls each item
    seq_len: int
    source: str  # shown on the page
    identity: dict | None = None  # label mode: the recordings the starts count through
    file_keys: np.ndarray | None = None  # keys a label file may hold (default: keys)

    def segments(self, i: int) -> np.ndarray:
        """Stick-figure segment ends (seq_len, 22, 2, 3) of item i."""
        return VICON_53.segment_endpoints(self.poses[self.starts[i]: self.starts[i] + self.seq_len])

    def bounds(self) -> dict[str, list[float]]:
        """Axis ranges over every drawn point, so the figure keeps one scale per recording."""
        ends = VICON_53.segment_endpoints(self.poses).reshape(-1, 3)
        return {"min": ends.min(axis=0).tolist(), "max": ends.max(axis=0).tolist()}


def recording_task(pattern: str, seq_len: int) -> Task:
    """Blocks of seq_len frames at stride seq_len, preprocessed exactly as for training.

    The blocks keep the published grid (starts 0, seq_len, 2 seq_len, ... through the
    concatenated recordings), but a block that would span two recordings is not offered: it
    would show the jump from one recording into the next as motion. The task also carries
    the recordings' identity (names and trimmed frames), which LabelApp keeps beside the CSV.
    """
    rec = load_recordings(pattern)
    poses = rec.poses
    if len(poses) < seq_len:
        raise DataError(f"{pattern}: {len(poses)} frames after trimming, fewer than one block")
    grid = np.arange(0, len(poses) - seq_len + 1, seq_len)
    ends = rec.offsets[np.searchsorted(rec.offsets, grid, side="right")]  # its recording's end
    starts = grid[grid + seq_len <= ends]
    if len(starts) < len(grid):
        log.info("%d block(s) spanning two recordings are not offered: starts %s",
                 len(grid) - len(starts), ", ".join(map(str, np.setdiff1d(grid, starts)[:10])))
    identity = recordings_identity(rec.files, np.diff(rec.offsets).tolist())
    return Task(LABEL_MODE, poses, starts, starts, seq_len, pattern, identity, grid)


def blind_task(folder: str | Path) -> Task:
    """The evaluator's shuffled export <folder>/sequences.npy (n, seq_len, 53, 3), in order.

    Only this array and blind_export.json (which effort to ask) are read: the conditioning
    labels stay hidden from the labeler.
    """
    path = Path(folder) / BLIND_SEQUENCES_FILE
    if not path.is_file():
        raise DataError(f"{path}: not found; the evaluator writes the blind export there")
    expected = f"expected (n, L, {len(VICON_53.joints)}, 3) floats with n, L >= 1"
    try:
        seqs = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise DataError(f"{path}: not a readable .npy array ({err}); {expected}") from err
    if not isinstance(seqs, np.ndarray):  # an .npz archive under a .npy name
        seqs.close()
        raise DataError(f"{path}: an .npz archive, not a .npy array; {expected}")
    if seqs.ndim not in (3, 4) or 0 in seqs.shape or not np.issubdtype(seqs.dtype,
                                                                       np.floating):
        raise DataError(f"{path}: shape {seqs.shape} {seqs.dtype}; {expected}")
    try:
        markers = VICON_53.as_joints(seqs).astype(np.float32)  # (n, L, 53, 3)
    except ValueError as err:
        raise DataError(f"{path}: {err}") from err
    if markers.ndim != 4 or markers.shape[2:] != (len(VICON_53.joints), 3):
        raise DataError(f"{path}: shape {seqs.shape}; {expected}")
    if not np.isfinite(markers).all():
        raise DataError(f"{path}: holds NaN or infinite values")
    n, seq_len = markers.shape[:2]
    keys = np.arange(n)
    info = read_blind_info(folder) or {"effort": "time"}  # older exports: time
    poses = markers.reshape(n * seq_len, *markers.shape[2:])  # (n * seq_len, 53, 3)
    return Task(blind_mode(info["effort"]), poses, keys * seq_len, keys, seq_len, str(path))


def _segment_side(pair: tuple[str, str]) -> str:
    """"L" or "R" for a segment on one side of the body, "" for the midline (colours it)."""
    sides = {name[0] for name in pair if name[0] in "LR"}
    return sides.pop() if len(sides) == 1 else ""


class LabelApp:
    """A task and its label store, answering the API in plain Python values."""

    def __init__(self, task: Task, out: str | Path):
        self.task = task
        if task.identity is not None:  # before the store reads labels that might have shifted
            check_recordings_identity(out, task.identity, how_to_allow=" (--data)")
        keys = task.keys if task.file_keys is None else task.file_keys
        self.store = LabelStore(out, task.mode.store_columns(), keys.tolist())
        if task.identity is not None:
            write_recordings_identity(out, task.identity)
        self._bounds = task.bounds()  # computed once: it scans the whole recording
        self._sides = [_segment_side(pair) for pair in VICON_53.segments]

    def labels(self) -> list[dict[str, int] | None]:
        """Each item's saved labels, or None, in item order."""
        saved = self.store.labels()
        return [saved.get(k) for k in self.task.keys.tolist()]

    def progress(self, labels: list[dict[str, int] | None]) -> dict:
        """How many items are labelled, and how the labels spread over each field's options."""
        done = [lab for lab in labels if lab is not None]
        counts = {f.name: {str(o.value): sum(lab[f.name] == o.value for lab in done)
                           for o in f.options} for f in self.task.mode.fields}
        return {"labelled": len(done), "total": len(labels), "counts": counts}

    def state(self) -> dict:
        """Everything the page needs to start: mode, fields, items, labels, progress, axes."""
        labels = self.labels()
        first_open = next((i for i, lab in enumerate(labels) if lab is None), 0)
        mode = self.task.mode
        return {
            "mode": mode.name, "unit": mode.unit, "key_name": mode.key_name,
            "fields": [asdict(f) for f in mode.fields],
            "keys": self.task.keys.tolist(), "seq_len": self.task.seq_len, "fps": VICON_53.fps,
            "source": self.task.source, "output": str(self.store.path),
            "labels": labels, "progress": self.progress(labels), "start": first_open,
            "bounds": self._bounds, "sides": self._sides,
        }

    def block(self, i: int) -> dict:
        """Item i's segments, rounded to keep the JSON small; KeyError for an unknown item."""
        if not 0 <= i < len(self.task.keys):
            raise KeyError(i)
        frames = np.round(self.task.segments(i).astype(np.float64), 4)  # (L, 22, 2, 3)
        return {"block": i, "key": int(self.task.keys[i]), "frames": frames.tolist()}

    def save(self, body: object) -> dict:
        """Store {"block": i, <field>: value, ...}; LabelError (nothing written) if invalid."""
        if not isinstance(body, dict):
            raise LabelError('expected a JSON object {"block": i, ...}')
        values = dict(body)
        i = values.pop("block", None)
        if type(i) is not int or not 0 <= i < len(self.task.keys):
            raise LabelError(f"unknown block {i!r}")
        self.store.save(int(self.task.keys[i]), values)
        labels = self.labels()
        return {"block": i, "labels": labels[i], "progress": self.progress(labels)}


class Handler(BaseHTTPRequestHandler):
    """Routes a request by exact path; anything not listed is 404."""

    app: LabelApp  # set on the subclass made by make_server
    server_version = "PirouNetLabelApp"
    timeout = REQUEST_TIMEOUT  # seconds a connection may sit idle or trickle; then closed

    def _host_allowed(self) -> bool:
        """Host (and Origin, when sent) name this server: an IP literal or localhost, its port.

        A page on another site that rebinds its own host name to 127.0.0.1 (DNS rebinding)
        sends its name as Host, so it is refused; a name is never needed to reach this app.
        """
        port = self.server.server_address[1]
        if not _names_this_server(self.headers.get("Host", ""), port):
            return False
        origin = self.headers.get("Origin")
        if origin is None:
            return True
        parts = urlsplit(origin)
        return parts.scheme == "http" and _names_this_server(parts.netloc, port)

    def _refused(self) -> bool:
        """Answer 403 to a request from a foreign host or origin; True when refused."""
        if self._host_allowed():
            return False
        log.warning("refused a request with Host %r, Origin %r", self.headers.get("Host"),
                    self.headers.get("Origin"))
        self._json(HTTPStatus.FORBIDDEN, {"error": "this host or origin may not use the app; "
                                          "open it at the address it printed"})
        return True

    def do_GET(self) -> None:
        """Static files, the state and one block."""
        if self._refused():
            return
        path = urlsplit(self.path).path
        if path in STATIC_FILES:
            name, ctype = STATIC_FILES[path]
            self._send(HTTPStatus.OK, (STATIC_DIR / name).read_bytes(), ctype)
        elif path == "/api/state":
            self._json(HTTPStatus.OK, self.app.state())
        elif match := BLOCK_URL.fullmatch(path):
            try:
                self._json(HTTPStatus.OK, self.app.block(int(match.group(1))))
            except KeyError:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"no block {match.group(1)}"})
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:
        """Save one block's labels."""
        if self._refused():
            return
        if urlsplit(self.path).path != "/api/label":
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        # A JSON content type forces a CORS preflight, which this server never grants, so
        # another web site open in the browser cannot post labels here.
        if self.headers.get_content_type() != "application/json":
            self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "send application/json"})
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._json(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"})
            return
        if not 0 <= length <= MAX_BODY:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "request too large"})
            return
        try:
            body = json.loads(self.rfile.read(length))
            self._json(HTTPStatus.OK, self.app.save(body))
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._json(HTTPStatus.BAD_REQUEST, {"error": "the body is not valid JSON"})
        except RecursionError:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "the body is nested too deeply"})
        except LabelError as err:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(err)})
        except OSError as err:  # the disk refused the write: say so rather than drop the reply
            log.error("could not save a label: %s", err)
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR,
                       {"error": f"could not write {self.app.store.path}: {err}"})

    def log_message(self, format: str, *args: object) -> None:
        """Send the per-request log line to logging (debug) instead of stderr."""
        log.debug("%s " + format, self.address_string(), *args)

    def _json(self, status: HTTPStatus, payload: object) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _send(self, status: HTTPStatus, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)


class LabelServer(ThreadingHTTPServer):
    """One thread per request; a deep accept queue so a burst of saves is not refused."""

    daemon_threads = True
    request_queue_size = 64


def make_server(app: LabelApp, host: str = "127.0.0.1", port: int = 8060) -> LabelServer:
    """A threaded HTTP server for app, bound to host:port (port 0 picks a free one)."""
    return LabelServer((host, port), type("AppHandler", (Handler,), {"app": app}))
