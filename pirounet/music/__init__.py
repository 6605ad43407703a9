"""Songs in the core: audio read at the pose frame rate, music features, song/dance pairing."""
