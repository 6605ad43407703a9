"""The PirouNet model (encoder, decoder, classifier, M2 wrapper) and its training objective."""
from pirounet.systems.pirounet.model.classifier import Classifier
from pirounet.systems.pirounet.model.decoder import Decoder
from pirounet.systems.pirounet.model.encoder import Encoder
from pirounet.systems.pirounet.model.objective import m2_loss
from pirounet.systems.pirounet.model.pirounet import ModelConfig, PirouNet, one_hot

__all__ = ["Classifier", "Decoder", "Encoder", "ModelConfig", "PirouNet", "m2_loss", "one_hot"]
