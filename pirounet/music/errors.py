"""The one error type of learn2dance's data: a user's input that cannot be used as it is."""
from __future__ import annotations


class DataError(ValueError):
    """A bad input file, folder or pairing; the message names it and says what was expected."""
