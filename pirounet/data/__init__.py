"""`python -m pirounet.data.synthetic` from earlier READMEs: the data code is pirounet/vae/data/."""
