"""Kept so that `python -m pirounet.data.synthetic` still works; see pirounet/vae/data/synthetic.py."""
from pirounet.vae.data.synthetic import main

if __name__ == "__main__":
    main()
