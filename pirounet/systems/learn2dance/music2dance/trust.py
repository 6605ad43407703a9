"""Can the beat and style scores be trusted: where the beats came from, and the checks.

A song's beats come from its beats/<name>.txt or truth.json when the data has them, else from
librosa's tracker on the song (beat_phase says whether its half-beat phase is checked on the
kick and bass). The report says which, per song, with the tracker's tempo and how sure its
phase is. Then two checks on the real held-out dances, whose dancers heard these songs:

    other songs   a real dance should meet its own song's beats better than other songs'
                  beats; when it does not, the beat reference is off or the dances follow no
                  beat, and the beat scores are no evidence either way
    half a beat   a real dance should meet its song's beats better than the same beats moved
                  half a beat; when the moved beats score higher, the beats are probably half
                  a beat off (a tracker locked on an off-beat hi-hat does this)

Each failing check is a warning, in words, at the top of the report.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pirounet.music.features import SURE_MARGIN, song_beats
from pirounet.systems.learn2dance.music2dance.data import Song

TRACKER = "librosa beat_track (tightness 100) on the onset envelope"


def beat_reference(songs: list[Song], audio: dict[str, Path], hop: int, phase: str
                   ) -> dict[str, Any]:
    """Track the beats of songs that have none (in place); where every song's beats came from."""
    per_song: dict[str, dict[str, Any]] = {}
    for song in songs:
        if song.beats is None:
            song.beats, check = song_beats(audio[song.name], song.fps, hop, phase)
            song.beat_source = "tracker"
            per_song[song.name] = {"source": "tracker", "bpm": round(check.bpm, 1),
                                   "phase_margin": round(check.margin, 3), "sure": check.sure,
                                   "moved_half_beat": check.moved}
        else:
            per_song[song.name] = {"source": song.beat_source or "data"}
    sources = sorted({info["source"] for info in per_song.values()})
    tracked = [info for info in per_song.values() if info["source"] == "tracker"]
    out: dict[str, Any] = {"sources": {src: sum(i["source"] == src for i in per_song.values())
                                       for src in sources}}
    if tracked:
        out["tracker"] = {"method": TRACKER, "beat_phase": phase,
                          "phase_check": ("the beats are moved half a beat when the onsets "
                                          "below 150 Hz (kick, bass) fall between them"
                                          if phase == "low_band" else "none"),
                          "unsure_songs": sum(not i["sure"] for i in tracked),
                          "moved_songs": sum(i["moved_half_beat"] for i in tracked),
                          "sure_if_margin_at_least": SURE_MARGIN}
    out["songs"] = per_song
    return out


def _fmt(summary: dict[str, float]) -> str:
    return f"{summary['mean']:.2f}"


def _other_phase(reference: dict[str, Any]) -> str:
    tracker = reference.get("tracker")
    if not tracker:
        return ""
    other = "tracker" if tracker["beat_phase"] == "low_band" else "low_band"
    return f", or evaluate with --beat_phase={other}"


def beat_warnings(scores: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """Sentences for the report's warning box when a check of the module doc fails."""
    found = []
    where = ", ".join(f"{n} from {src}" for src, n in reference["sources"].items())
    for v in ("fact", "bailando"):
        s = scores.get(v, {})
        diff = s.get("real_dance_minus_other_songs_beats")
        if diff is not None and diff.get("boot_low", -1) <= 0:
            found.append(
                f"The real held-out dances meet their own songs' beats no better than other "
                f"songs' beats (BAS {v} {_fmt(s['real_dance'])} against "
                f"{_fmt(s['real_dance_other_songs_beats'])}): the beat reference is off, or "
                f"these dances do not follow a beat. The beat scores below are no evidence "
                f"either way. Beats: {where}.")
            break
    for v in ("fact", "bailando"):
        s = scores.get(v, {})
        diff = s.get("real_dance_minus_half_beat_later")
        if diff is not None and diff.get("boot_high", 1) < 0:
            found.append(
                f"The real held-out dances meet their songs' beats moved half a beat better "
                f"than the beats themselves (BAS {v} {_fmt(s['real_dance_beats_half_beat_later'])}"
                f" against {_fmt(s['real_dance'])}): the beats are probably half a beat off. "
                f"Give the true beats in beats/<name>.txt{_other_phase(reference)}. "
                f"Beats: {where}.")
            break
    tracker = reference.get("tracker")
    if tracker and tracker["unsure_songs"]:
        n = sum(reference["sources"].values())
        found.append(f"{tracker['unsure_songs']} of {n} songs' tracked beats have an unsure "
                     "phase (their kick and bass do not say whether the beat is on them or "
                     "half a beat later): their beat scores may be half a beat off.")
    return found


def style_skipped(train: list[Song], held: list[Song]) -> str | None:
    """Why there is no style figure (None when there is one)."""
    styles = sorted({s.style for s in train if s.style is not None})
    if not styles:
        return ("no style figure: the songs have no styles (give data_dir/styles.csv with "
                "name,style rows, or --style_pattern, a regular expression on the names)")
    if len(styles) < 2:
        return f"no style figure: the training songs have one style only ({styles[0]})"
    unknown = sorted({str(s.style) for s in held if s.style not in styles})
    if unknown and all(s.style not in styles for s in held):  # else the others are scored
        return (f"no style figure: held-out songs have styles no training song has "
                f"({', '.join(unknown)}; training styles {', '.join(styles)})")
    return None
