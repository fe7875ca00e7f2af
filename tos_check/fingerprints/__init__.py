"""Content fingerprints: phrases that betray which provider's model wrote a text ("I'm Claude, an AI
assistant made by Anthropic"), kept as data (`catalog/*.yaml`, format in `model.py`) and matched over Arrow
columns by one multi-pattern engine (`engine.py`). A fingerprint alone is weak evidence; see
docs/fingerprints.md.
"""

from tos_check.fingerprints.engine import BACKENDS, FingerprintSet, available_backends
from tos_check.fingerprints.model import Fingerprint

__all__ = ["BACKENDS", "Fingerprint", "FingerprintSet", "available_backends"]
