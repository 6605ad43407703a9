"""learn2dance's music->dance model: music encoder, move decoder, training and generation.

model.py (the two networks at the published sizes), objective.py (the published and the
aligned mode), data.py (songs as training windows), training.py (one epoch, validation),
generate.py (a dance for any song), evaluation.py and plots.py (metrics on held-out songs),
settings.py (the model's settings and their allowed values). docs/learn2dance_model.md
explains each.
"""
