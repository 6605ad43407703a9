"""`python -m pirounet.label_app` from earlier READMEs: the app is pirounet/vae/label_app/."""
