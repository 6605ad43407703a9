"""Start the labeling app: `python -m pirounet.systems.pirounet.label_app --help`."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pirounet.systems.pirounet.data import DataError
from pirounet.systems.pirounet.data.any_mocap import Layout
from pirounet.systems.pirounet.data.label_files import HUMAN_LABELS_FILE, LABEL_BLOCK, LABELS_FILE
from pirounet.systems.pirounet.label_app.server import LabelApp, make_server
from pirounet.systems.pirounet.label_app.tasks import blind_task, recording_task


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(prog="python -m pirounet.systems.pirounet.label_app",
                                description=__doc__)
    p.add_argument("--data", default="data/mariel_*.npy", help="recordings to label (glob)")
    p.add_argument("--out", help="label CSV to read and write (default: "
                   f"data/{LABELS_FILE}, or <blind dir>/{HUMAN_LABELS_FILE})")
    p.add_argument("--blind", metavar="DIR", help="blind-label the evaluator's export "
                   "DIR/sequences.npy instead of the recordings")
    p.add_argument("--port", type=int, default=8060, help="0 picks a free port")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: local only)")
    p.add_argument("--seq-len", type=int, default=LABEL_BLOCK,
                   help="frames per block (label mode)")
    p.add_argument("--skeleton", default="", help="recordings outside the Vicon layout, as "
                   "the training setting: '' = the data's own, a skeleton name or a definition "
                   ".json")
    p.add_argument("--fps", type=float, default=0.0, help="as the training setting: the run's "
                   "frame rate outside the Vicon layout (0 = the first recording's)")
    p.add_argument("--trim-frames", type=int, default=-1, help="as the training setting "
                   "trim_frames (-1 = auto)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Load the data and the existing labels, then serve until Ctrl-C."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.seq_len < 1:
        sys.exit("error: --seq-len must be at least 1")
    if not 0 <= args.port <= 65535:
        sys.exit(f"error: --port {args.port} is out of range; expected 0-65535 (0 picks a free "
                 "port)")
    try:
        if args.blind:
            task = blind_task(args.blind)
            out = args.out or Path(args.blind) / HUMAN_LABELS_FILE
        else:
            layout = Layout(args.skeleton, args.fps, args.trim_frames).checked()
            task = recording_task(args.data, args.seq_len, layout)
            out = args.out or Path("data") / LABELS_FILE
        app = LabelApp(task, out)
    except DataError as err:  # LabelFileError is one
        sys.exit(f"error: {err}")
    try:
        server = make_server(app, args.host, args.port)
    except OSError as err:  # in use, not an address of this machine, no permission
        sys.exit(f"error: cannot serve on {args.host}:{args.port}: {err.strerror or err}; "
                 "choose another --port (0 picks a free one) or --host")
    host, port = server.server_address[:2]
    progress = app.progress(app.labels())
    print(f"PirouNet labeling app ({task.mode.name} mode): http://{host}:{port}/", flush=True)
    print(f"  {progress['labelled']} of {progress['total']} {task.mode.unit}s labelled; "
          f"writing {app.store.path}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
