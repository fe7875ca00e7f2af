"""tos-check: which of your training data came from model outputs whose terms restrict your declared use."""

__version__ = "0.1.0"
