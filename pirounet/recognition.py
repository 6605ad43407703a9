"""Kept so that `python -m pirounet.recognition` still works; see pirounet/vae/recognition.py."""
from pirounet.vae.recognition import command_line

if __name__ == "__main__":
    command_line()
