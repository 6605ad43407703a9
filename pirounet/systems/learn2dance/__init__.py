"""learn2dance: music in, 2-D dance out, learned from dance videos' poses and their songs.

The data (part 1; docs/learn2dance_data.md): poses.py reads OpenPose JSON folders, COCO-17
arrays and AIST++ keypoint files into (T, 15, 2) poses (person.py picks the dancer, gaps.py
fills missing joints); music.py reads songs and computes features aligned to the pose
frames; vocabulary.py clusters 30-frame chunks into a motion vocabulary; pairs.py pairs
songs with dances by name and splits them by song; synthetic_songs.py and
synthetic_dancers.py make the built-in music-and-dance set that synthetic.py writes; and
prepare.py runs it all with a cache (cache.py) into a `Prepared` set. settings.py holds the
defaults file and its rules. The model and its commands live in music2dance/, train.py,
evaluate.py and dance.py. learn2dance imports only the shared core, never PirouNet.
"""
