"""Kept so that `python -m pirounet.label_app` still works; see pirounet/vae/label_app/."""
from pirounet.vae.label_app.__main__ import main

if __name__ == "__main__":
    main()
