"""Model identities: which provider, family and model stand behind a messy model string."""

from tos_check.identity.model import Identity, MatchedBy, Mention

__all__ = ["Identity", "MatchedBy", "Mention"]
