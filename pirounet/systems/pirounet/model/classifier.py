"""Dense classifier q(y|x) on a flattened pose sequence.

The same design serves twice: inside PirouNet as q(y|x) (h 100, 2 hidden layers), and
alone as the FID classifier (h 250, 13 hidden layers, slope 0.4295...), whose
last hidden layer gives the activations for FID. State-dict keys: `dense.*` and
`layers.0 ... layers.{n_layers}.*`, where the last one is the output layer.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def xavier_init_linears(module: nn.Module) -> None:
    """Give every Linear inside `module` xavier-normal weights and zero bias (published)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_normal_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class Classifier(nn.Module):
    """Flatten -> Linear+ReLU -> n x (Linear+LeakyReLU) -> Linear -> softmax."""

    def __init__(self, input_dim: int, h_dim: int, n_layers: int, label_dim: int,
                 neg_slope: float):
        super().__init__()
        self.neg_slope = neg_slope
        self.dense = nn.Linear(input_dim, h_dim)
        hidden = [nn.Linear(h_dim, h_dim) for _ in range(n_layers)]
        self.layers = nn.ModuleList(hidden + [nn.Linear(h_dim, label_dim)])
        xavier_init_linears(self)

    def activations(self, x: Tensor) -> Tensor:
        """Output of the last hidden layer, (B, h_dim); x is (B, T, D) or (B, T*D)."""
        h = F.relu(self.dense(x.reshape(x.shape[0], -1)))  # (B, h)
        for layer in self.layers[:-1]:
            h = F.leaky_relu(layer(h), self.neg_slope)  # (B, h)
        return h

    def logits(self, x: Tensor) -> Tensor:
        """Unnormalised class scores, (B, label_dim)."""
        return self.layers[-1](self.activations(x))

    def forward(self, x: Tensor) -> Tensor:
        """Class probabilities q(y|x), (B, label_dim)."""
        return torch.softmax(self.logits(x), dim=-1)
