"""learn2dance's two-stage GAN (after Cai et al., ECCV 2018): a pose GAN, then a sequence GAN
that walks the trained pose generator's latent space. docs/learn2dance_gan.md."""
