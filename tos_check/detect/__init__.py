"""Detectors: evidence of model outputs found in text that no metadata field declares (a card's prose)."""
