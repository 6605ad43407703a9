"""The PirouNet model (encoder, decoder, classifier, M2 wrapper) and its training objective."""
from pirounet.vae.model.classifier import Classifier
from pirounet.vae.model.decoder import Decoder
from pirounet.vae.model.encoder import Encoder
from pirounet.vae.model.objective import m2_loss
from pirounet.vae.model.pirounet import ModelConfig, PirouNet, one_hot

__all__ = ["Classifier", "Decoder", "Encoder", "ModelConfig", "PirouNet", "m2_loss", "one_hot"]
