"""The PirouNet model (encoder, decoder, classifier, M2 wrapper) and its training objective."""
from pirounet.model.classifier import Classifier
from pirounet.model.decoder import Decoder
from pirounet.model.encoder import Encoder
from pirounet.model.objective import m2_loss
from pirounet.model.pirounet import ModelConfig, PirouNet, one_hot

__all__ = ["Classifier", "Decoder", "Encoder", "ModelConfig", "PirouNet", "m2_loss", "one_hot"]
