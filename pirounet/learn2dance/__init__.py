"""learn2dance: music in, 2-D dance out, learned from dance videos' poses and their songs.

Part 1 is the data pipeline: poses.py reads OpenPose JSON folders, COCO-17 arrays and AIST++
keypoint files into (T, 15, 2) poses; music.py reads audio and computes features aligned to
the pose frames; vocabulary.py clusters 30-frame chunks into a motion vocabulary; pairs.py
pairs songs with dances by name and splits them by song; synthetic_songs.py and
synthetic_dancers.py write a built-in music-and-dance set; prepare.py runs it all with a
cache and returns a `Prepared` set. settings.py holds the defaults file and its rules.
It imports only the shared core (pirounet.run, pirounet.skeletons, pirounet.synthetic).
"""
