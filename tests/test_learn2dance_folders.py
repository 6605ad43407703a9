"""A user's data folder: songs in any folder name, the error that lists what was found, beats
from files, styles from styles.csv or a name pattern, and the cache beside the data."""
import shutil
from pathlib import Path

import pytest

from pirounet.music.errors import DataError
from pirounet.music.pairs import pair_by_name
from pirounet.systems.learn2dance import prepare, synthetic
from pirounet.systems.learn2dance.cache import cache_folder
from pirounet.systems.learn2dance.music2dance.settings import TRAINING
from pirounet.run.config import ConfigError

TINY = ["--synthetic_songs=4", "--synthetic_seconds=8.0", "--n_moves=6", "--progress=False"]


@pytest.fixture(scope="module")
def synthetic_set(tmp_path_factory) -> Path:
    """The synthetic set at test size, written once; tests copy it."""
    data = tmp_path_factory.mktemp("l2d") / "data"
    assert synthetic.ensure_dataset(TRAINING.load(TINY + [f"--data_dir={data}"]))
    return data


def user_folder(synthetic_set: Path, tmp_path: Path, songs: str = "audio") -> Path:
    """The synthetic songs and dances laid out as a user's: no truth.json, songs in `songs`."""
    data = tmp_path / "mine"
    shutil.copytree(synthetic_set / "poses", data / "poses")
    shutil.copytree(synthetic_set / "songs", data / songs)
    return data


@pytest.mark.parametrize("folder", ["audio", "music", "wav"])
def test_songs_in_any_one_folder_pair_with_the_dances(synthetic_set, tmp_path, folder):
    data = user_folder(synthetic_set, tmp_path, folder)
    assert [p.song.parent.name for p in pair_by_name(data)] == [folder] * 4


def test_songs_in_two_folders_ask_for_songs_dir_and_the_setting_picks_one(synthetic_set,
                                                                          tmp_path):
    data = user_folder(synthetic_set, tmp_path, "audio")
    shutil.copytree(data / "audio", data / "music")
    with pytest.raises(DataError, match=r"songs in several folders \(audio, music\).*"
                                        r"--songs_dir"):
        pair_by_name(data)
    assert {p.song.parent.name for p in pair_by_name(data, "music")} == {"music"}


def test_nothing_pairs_lists_what_was_found_and_skipped(synthetic_set, tmp_path):
    data = user_folder(synthetic_set, tmp_path, "audio")
    for song in (data / "audio").iterdir():
        song.rename(song.with_name("x_" + song.name))
    (data / "notes.txt").write_text("hello")
    with pytest.raises(DataError) as err:
        pair_by_name(data)
    message = str(err.value)
    assert "found 4 songs in audio/ and 4 dances in poses/; skipped: notes.txt" in message
    assert "(songs x_song_000, x_song_001, x_song_002, ...; dances song_000" in message
    shutil.rmtree(data / "audio")
    with pytest.raises(DataError, match=r"found no folder of songs .* and 4 dances in poses/; "
                                        r"skipped: notes.txt"):
        pair_by_name(data)


def test_cache_follows_data_dir_unless_set():
    cfg = TRAINING.load(["--data_dir=/somewhere/else"])
    assert cache_folder(cfg) == Path("/somewhere/else/cache")
    assert cache_folder(TRAINING.load(["--cache_dir=c"])) == Path("c")


def test_beats_files_and_styles_csv_and_a_name_pattern(synthetic_set, tmp_path):
    data = user_folder(synthetic_set, tmp_path, "audio")
    (data / "beats").mkdir()
    (data / "beats" / "song_001.txt").write_text("# beat times\n0.5, 1.0\n1.5 2.0\n")
    (data / "styles.csv").write_text("name,style\nsong_000,waltz\n")
    cfg = TRAINING.load(TINY + [f"--data_dir={data}", "--style_pattern=song_00(?P<style>[12])"])
    prepared = prepare.prepare(cfg)
    songs = {s.name: s for s in prepared.songs}
    text = prepare.summary(prepared)
    assert "beats: 1 from beats/, 3 tracked on the song" in text
    assert "styles: 3 of 4 songs, 3 styles (1, 2, waltz)" in text
    assert songs["song_001"].beats.tolist() == [0.5, 1.0, 1.5, 2.0]
    assert songs["song_001"].beat_source == "beats/song_001.txt"
    assert songs["song_000"].beats is None and songs["song_000"].beat_source is None
    assert [songs[n].style for n in sorted(songs)] == ["waltz", "1", "2", None]
    assert (data / "cache").is_dir()  # the cache went beside the data


def test_bad_beats_file_and_styles_csv_name_the_file_and_row(tmp_path):
    (tmp_path / "beats").mkdir()
    (tmp_path / "beats" / "a.txt").write_text("0.5\n0.4\n")
    with pytest.raises(DataError, match=r"a.txt: beat times must be finite and increasing"):
        prepare.read_beat_files(tmp_path)
    (tmp_path / "beats" / "a.txt").write_text("0.5 one\n")
    with pytest.raises(DataError, match=r"a.txt: expected beat times in seconds"):
        prepare.read_beat_files(tmp_path)
    (tmp_path / "styles.csv").write_text("a,waltz\nb\n")
    with pytest.raises(DataError, match=r"styles.csv: row 2: expected name,style"):
        prepare.read_styles(tmp_path)
    with pytest.raises(ConfigError, match="style_pattern"):
        TRAINING.load(["--style_pattern=(unclosed"])


def test_a_pattern_without_a_named_group_takes_the_first_group_or_the_match():
    assert prepare.style_from_name("DANCE_W_3", r"^DANCE_([A-Z])_") == "W"
    assert prepare.style_from_name("DANCE_W_3", r"[A-Z](?=_\d)") == "W"
    assert prepare.style_from_name("song", r"^DANCE") is None
