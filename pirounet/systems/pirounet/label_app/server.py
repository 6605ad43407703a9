"""The labeling app's HTTP server: fixed static files, a small JSON API, the label store.

    GET  /, /static/app.js, /static/style.css   the page (whitelisted names only)
    GET  /api/state                             modes, fields, labels so far, progress, axes,
                                                the meter's suggestions (label mode)
    GET  /api/block/<i>                         stick-figure segments (seq_len, S, 2, 3)
    POST /api/label  {"block": i, <field>: v,   save one block's labels -> 200, or 400 + why;
                      "suggestion": true?}      true: Time is the accepted suggestion

What is shown and written per mode lives in tasks.py. In label mode every block gets the
effort meter's suggested Time value with its confidence (pirounet/systems/pirounet/
suggestions.py); a suggestion is written only when a save says it accepts it, and then it is
marked `suggested` beside the CSV. Nothing else on disk can be reached through a URL.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
import threading
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from pirounet.systems.pirounet.data.label_files import (
    HUMAN,
    SUGGESTED,
    check_recordings_identity,
    write_recordings_identity,
)
from pirounet.skeletons import SkeletonError
from pirounet.systems.pirounet.efforts import EFFORTS
from pirounet.systems.pirounet.label_app.store import LabelError, LabelStore
from pirounet.systems.pirounet.label_app.tasks import Task
from pirounet.systems.pirounet.suggestions import Suggestions, block_scores, suggest

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
REQUEST_TIMEOUT = 20.0  # seconds a request may take to arrive, in all; then reading stops


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


class LabelApp:
    """A task and its label store, answering the API in plain Python values."""

    def __init__(self, task: Task, out: str | Path):
        self.task = task
        if task.identity is not None:  # before the store reads labels that might have shifted
            check_recordings_identity(out, task.identity, how_to_allow=" (--data)")
        keys = task.keys if task.file_keys is None else task.file_keys
        label_mode = task.mode.name == "label"
        self.store = LabelStore(out, task.mode.store_columns(), keys.tolist(), marks=label_mode)
        if task.identity is not None:
            write_recordings_identity(out, task.identity)
        self._bounds = task.bounds()  # computed once: it scans the whole recording
        self._scores, self.meter_problem = None, ""  # the meter's score of each block
        if label_mode:
            try:
                self._scores = block_scores(task.poses, task.starts, task.seq_len, task.skeleton)
            except SkeletonError as err:  # label by hand; say why there are no suggestions
                self.meter_problem = f"no suggestions: {err}"
                log.warning("%s", self.meter_problem)

    def labels(self) -> list[dict[str, int] | None]:
        """Each item's saved labels, or None, in item order."""
        saved = self.store.labels()
        return [saved.get(k) for k in self.task.keys.tolist()]

    def sources(self) -> list[str | None]:
        """Where each item's saved Time label came from (human, suggested, machine), or None."""
        saved = self.store.sources()
        return [saved.get(k) for k in self.task.keys.tolist()]

    def suggestions(self) -> Suggestions | None:
        """The meter's suggestion for every block, calibrated on the person's own Time labels."""
        if self._scores is None:
            return None
        time = EFFORTS["time"].column
        own = [lab[time] if lab is not None and src == HUMAN else 0
               for lab, src in zip(self.labels(), self.sources())]
        return suggest(self._scores, self.task.skeleton, np.asarray(own, np.int64))

    def progress(self, labels: list[dict[str, int] | None]) -> dict:
        """How many items are labelled, and how the labels spread over each field's options."""
        done = [lab for lab in labels if lab is not None]
        counts = {f.name: {str(o.value): sum(lab[f.name] == o.value for lab in done)
                           for o in f.options} for f in self.task.mode.fields}
        return {"labelled": len(done), "total": len(labels), "counts": counts}

    def hints(self) -> dict:
        """The suggestions as the page shows them: value and confidence per block, and a note."""
        found = self.suggestions()
        if found is None:
            return {"suggestions": None, "meter": self.meter_problem}
        items = [{"value": int(v), "confidence": round(float(c), 3)}
                 for v, c in zip(found.values, found.confidence)]
        return {"suggestions": items, "meter": found.describe()}

    def state(self) -> dict:
        """Everything the page needs to start: mode, fields, items, labels, progress, axes."""
        labels = self.labels()
        first_open = next((i for i, lab in enumerate(labels) if lab is None), 0)
        mode = self.task.mode
        return {
            "mode": mode.name, "unit": mode.unit, "key_name": mode.key_name,
            "fields": [asdict(f) for f in mode.fields], "keys": self.task.keys.tolist(),
            "seq_len": self.task.seq_len, "fps": self.task.skeleton.fps,
            "skeleton": self.task.skeleton.name,
            "source": self.task.source, "output": str(self.store.path),
            "labels": labels, "sources": self.sources(), "progress": self.progress(labels),
            "start": first_open, "bounds": self._bounds, "sides": self.task.sides(),
            **self.hints(),
        }

    def block(self, i: int) -> dict:
        """Item i's segments, rounded to keep the JSON small; KeyError for an unknown item."""
        if not 0 <= i < len(self.task.keys):
            raise KeyError(i)
        frames = np.round(self.task.segments(i).astype(np.float64), 4)  # (L, S, 2, 3)
        return {"block": i, "key": int(self.task.keys[i]), "frames": frames.tolist()}

    def _source(self, i: int, values: dict, accepted: object) -> str:
        """SUGGESTED when the save accepts block i's current suggestion; HUMAN when it does not."""
        if accepted is False:
            return HUMAN
        if accepted is not True:
            raise LabelError(f"suggestion must be true or false, got {accepted!r}")
        found = self.suggestions()
        if found is None:
            why = self.meter_problem or "this mode has none"
            raise LabelError(f"there is no suggestion to accept ({why})")
        time = EFFORTS["time"].column
        if values.get(time) != int(found.values[i]):
            raise LabelError(f"{time} {values.get(time)!r} is not the suggestion for block "
                             f"{i}, which is now {int(found.values[i])}; nothing was saved")
        return SUGGESTED

    def save(self, body: object) -> dict:
        """Store {"block": i, <field>: value, ...}; LabelError (nothing written) if invalid."""
        if not isinstance(body, dict):
            raise LabelError('expected a JSON object {"block": i, ...}')
        values = dict(body)
        i = values.pop("block", None)
        if type(i) is not int or not 0 <= i < len(self.task.keys):
            raise LabelError(f"unknown block {i!r}")
        source = self._source(i, values, values.pop("suggestion", False))
        self.store.save(int(self.task.keys[i]), values, source)
        labels = self.labels()
        return {"block": i, "labels": labels[i], "source": self.sources()[i],
                "progress": self.progress(labels), **self.hints()}


class Handler(BaseHTTPRequestHandler):
    """Routes a request by exact path; anything not listed is 404."""

    app: LabelApp  # set on the subclass made by make_server
    server_version = "PirouNetLabelApp"
    timeout = REQUEST_TIMEOUT  # seconds a request may take to arrive, in all (and per read)

    def setup(self) -> None:
        """Start the request's deadline (one request per connection: HTTP/1.0).

        The socket timeout alone is per read, so a client sending a byte every few seconds
        would hold a thread forever; after `timeout` seconds in all, reading stops (the
        client gets a 400 for an unfinished body, or the connection is closed).
        """
        super().setup()
        self._expired = False
        self._deadline = threading.Timer(self.timeout, self._stop_reading)
        self._deadline.daemon = True
        self._deadline.start()

    def parse_request(self) -> bool:
        """The request line and headers; a request whose headers ran past the deadline is
        dropped unanswered (what arrived is cut short, not a request to act on)."""
        return super().parse_request() and not self._expired

    def _stop_reading(self) -> None:
        self._expired = True
        try:
            self.connection.shutdown(socket.SHUT_RD)  # a blocked read returns end-of-file
        except OSError:  # already closed
            pass

    def finish(self) -> None:
        self._deadline.cancel()
        super().finish()

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
            raw = self.rfile.read(length)
        except OSError:  # the client stopped sending (a read timed out)
            raw = b""
        if len(raw) < length:
            self._json(HTTPStatus.BAD_REQUEST, {
                "error": f"the body ended after {len(raw)} of its {length} bytes "
                         f"(Content-Length), or did not arrive within {self.timeout:g} s"})
            return
        try:
            body = json.loads(raw)
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
