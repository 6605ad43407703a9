"""Export a run's generated dances as BVH or C3D, for Blender, MotionBuilder or Maya.

    python -m pirounet.systems.pirounet.export --run=pirounet_dance --to=bvh
    python -m pirounet.systems.pirounet.export --run=pirounet_dance --to=c3d --sample=5 --out=exports/

What is exported (each set that exists; docs/interchange.md):
    results/<run>/generation/conditional.npy   main_eval's conditional dances (K, n, T, 53, 3)
    results/<run>/generation/random.npy        main_eval's random dances (K, n, T, 53, 3)
    results/<run>/to_be_labeled/sequences.npy  the blind export (n, T, 53, 3), shuffled
    --sample=N                                  N dances per label decoded from z ~ p(z|y),
                                                the run's prior (N(0, I) unless learned)
                                                with the run's checkpoint (--checkpoint)

Written to --out (default results/<run>/export/): conditional/label<k>_<i>.<ext>,
random/label<k>_<i>.<ext>, blind/<i>.<ext> (numbered as in sequences.npy, no label),
sampled/label<k>_<i>.<ext>. --to=bvh|c3d|both.

Real scale: the model works in normalised units (pirounet/systems/pirounet/data/mocap.py: metres times
2 / the recordings' 1 %-99 % xy range, each frame centred in x and y). Dances are divided by
that factor, recomputed from the run's recordings (its data_pattern; --data_pattern to point
elsewhere), or given with --scale. The per-frame centring cannot be undone: exported dances
stay at the origin in x and y (the BVH root still moves up and down and turns).
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pirounet.interchange.bvh import fit_bvh, tree_bvh_text, write_bvh
from pirounet.interchange.c3d import write_c3d
from pirounet.run.checkpoint import CheckpointError
from pirounet.skeletons import VICON_53, Skeleton

log = logging.getLogger("pirounet.systems.pirounet.export")
FORMATS = ("bvh", "c3d", "both")
SETS = {"conditional": "generation/conditional.npy", "random": "generation/random.npy",
        "blind": "to_be_labeled/sequences.npy"}


class ExportError(ValueError):
    """Nothing to export, or no way to know the real scale."""


def find_sets(results_dir: Path, skeleton: Skeleton = VICON_53) -> dict[str, np.ndarray]:
    """The dance sets main_eval saved under results_dir: name -> (..., T, J, 3) arrays."""
    found = {}
    for name, rel in SETS.items():
        path = results_dir / rel
        if path.is_file():
            found[name] = skeleton.as_joints(np.load(path, allow_pickle=False))
    return found


def run_skeleton(run: str, checkpoint: str) -> Skeleton:
    """The skeleton a run's checkpoint records; VICON_53 when it records none or is unread."""
    from pirounet.systems.pirounet.checkpoint import load_checkpoint
    from pirounet.systems.pirounet.data.prepare import recorded_skeleton

    try:
        ckpt = load_checkpoint(run, checkpoint)
    except CheckpointError:  # dances without their run: the published layout, as before
        return VICON_53
    return recorded_skeleton(ckpt.get("data_fingerprint"))


def dance_names(name: str, dances: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(file stem, (T, 53, 3) dance) pairs: label<k>_<i> for (K, n, ...) sets, <i> for blind."""
    if dances.ndim == 5:
        return [(f"label{k}_{i}", dances[k, i]) for k in range(dances.shape[0])
                for i in range(dances.shape[1])]
    width = len(str(len(dances) - 1))
    return [(f"{i:0{width}d}", d) for i, d in enumerate(dances)]


def to_metres(dance: np.ndarray, scale: float) -> np.ndarray:
    """A dance in model units (T, 53, 3) -> metres, z up (x, y centred on the body)."""
    return np.asarray(dance, dtype=np.float64) / scale


def write_dance(dance_m: np.ndarray, stem: Path, formats: Sequence[str],
                fps: float | None = None, skeleton: Skeleton = VICON_53) -> list[Path]:
    """Write one real-scale dance (T, J, 3) as stem.bvh and/or stem.c3d; returns paths.

    BVH: VICON_53 gets the marker-fitted hierarchy (fit_bvh); a skeleton with a joint tree
    gets its own tree with position channels (tree_bvh_text); a marker set without one
    cannot be written as BVH (ExportError).
    """
    fps = skeleton.fps if fps is None else fps
    written = []
    if "c3d" in formats:
        written.append(write_c3d(stem.with_suffix(".c3d"), skeleton.joints, dance_m, fps))
    if "bvh" in formats:
        path = stem.with_suffix(".bvh")
        if skeleton.same_layout(VICON_53):
            written.append(write_bvh(path, fit_bvh(dance_m, fps)))
        elif skeleton.parents:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(tree_bvh_text(dance_m, skeleton, fps))
            written.append(path)
        else:
            raise ExportError(f"skeleton {skeleton.name} has no joint tree (parents) to write "
                              "as BVH; export --to=c3d")
    return written


def run_scale(run: str, checkpoint: str, data_pattern: str | None) -> float:
    """Model units per metre for a run: from data_pattern, else from the run's own data."""
    from pirounet.systems.pirounet.data.any_mocap import Layout
    from pirounet.systems.pirounet.data.mocap import C3DOptions, DataError, normalisation

    cfg = None
    if data_pattern is None:
        from pirounet.systems.pirounet.checkpoint import load_checkpoint
        from pirounet.systems.pirounet.settings import TRAINING

        try:
            cfg = TRAINING.rebuild(load_checkpoint(run, checkpoint).get("config"))
        except Exception as err:  # noqa: BLE001 - any reason: the user gets one way out
            raise ExportError(f"cannot read run {run!r}'s config to find its recordings ({err});"
                              " give --data_pattern or --scale") from None
        data_pattern = cfg.data_pattern
    try:
        return normalisation(data_pattern, getattr(cfg, "max_gap_frames", 35),
                             C3DOptions.from_config(cfg), Layout.from_config(cfg))
    except DataError as err:
        raise ExportError(f"cannot find the real scale from the recordings ({err}); "
                          "give --data_pattern or --scale") from None


def sample_dances(run: str, checkpoint: str, n: int, seed: int,
                  skeleton: Skeleton = VICON_53) -> np.ndarray:
    """(K, n, T, J, 3) dances decoded from z ~ p(z|y) under each of the run's K labels.

    p(z|y) is the run's prior: N(0, I) as published, each label's fitted Gaussian under
    latent_prior="learned", its fitted mixture under "mixture" (generation.prior_codes)."""
    from pirounet.systems.pirounet.checkpoint import load_model
    from pirounet.systems.pirounet.generation import generate_random

    model, _, _ = load_model(run, which=checkpoint)
    k = model.config.label_dim
    x = generate_random(model, k * n, np.repeat(np.arange(k), n), seed).cpu().numpy()
    return skeleton.as_joints(x).reshape(k, n, *skeleton.as_joints(x).shape[1:])


def export_run(run: str, to: str = "bvh", out: str | Path | None = None, *,
               results: str | Path | None = None, sample: int = 0, checkpoint: str = "last",
               seed: int = 0, scale: float | None = None,
               data_pattern: str | None = None) -> list[Path]:
    """Export every dance set of a run (and `sample` new ones per label); returns the files."""
    formats = ("bvh", "c3d") if to == "both" else (to,)
    results_dir = Path(results) if results is not None else Path("results") / run
    skeleton = run_skeleton(run, checkpoint)
    sets = find_sets(results_dir, skeleton)
    if sample > 0:
        sets["sampled"] = sample_dances(run, checkpoint, sample, seed, skeleton)
    if not sets:
        raise ExportError(
            f"no dances to export: {results_dir}/ holds none of {', '.join(SETS.values())} "
            f"(run `python main_eval.py --load_from_checkpoint={run}` first), and --sample is 0")
    if scale is None:
        scale = run_scale(run, checkpoint, data_pattern)
    out = Path(out) if out is not None else results_dir / "export"
    written = []
    for name, dances in sets.items():
        for stem, dance in dance_names(name, dances):
            written += write_dance(to_metres(dance, scale), out / name / stem, formats,
                                   skeleton=skeleton)
        log.info("%s: %d dances -> %s/", name, len(dance_names(name, dances)), out / name)
    return written


def main(argv: Sequence[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(prog="python -m pirounet.systems.pirounet.export",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", required=True, help="run name (saved_models/<run>/) or .pt")
    parser.add_argument("--to", choices=FORMATS, default="bvh")
    parser.add_argument("--out", default=None, help="default: <results>/export/")
    parser.add_argument("--results", default=None, help="default: results/<run>/")
    parser.add_argument("--sample", type=int, default=0, help="new dances per label")
    parser.add_argument("--checkpoint", default="last", help="last | best | epoch_<N>")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=None,
                        help="model units per metre (default: from the run's recordings)")
    parser.add_argument("--data_pattern", default=None,
                        help="recordings that give the scale (default: the run's)")
    args = parser.parse_args(argv)
    if args.sample < 0 or (args.scale is not None and args.scale <= 0):
        parser.error("--sample must be >= 0 and --scale > 0")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        written = export_run(args.run, args.to, args.out, results=args.results,
                             sample=args.sample, checkpoint=args.checkpoint, seed=args.seed,
                             scale=args.scale, data_pattern=args.data_pattern)
    except (ExportError, CheckpointError, OSError) as err:
        parser.exit(2, f"error: {err}\n")
    print(f"wrote {len(written)} files to {Path(written[0]).parents[1]}")
    return written


if __name__ == "__main__":
    main(sys.argv[1:])
