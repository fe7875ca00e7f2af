"""A resolver test double: the evaluator's tests must not depend on the real catalog's contents."""

from __future__ import annotations

from tos_check.identity.model import Identity

KNOWN: dict[str, tuple[str, str, bool, str | None]] = {
    "acme-large": ("acme", "acme-large", False, None),
    "acme-open-7b": ("acme", "acme-open", True, "acme-license"),
    "gpt-4": ("openai", "gpt-4", False, None),
    "permissive-7b": ("freely", "freely", True, "apache-2.0"),
    "closed-x": ("nobody", "closed", False, None),
}


class StubResolver:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def resolve(self, name: str) -> Identity:
        self.calls.append(name)
        known = KNOWN.get(name)
        if known is None:
            return Identity(input=name)
        provider, family, open_weights, license_ = known
        return Identity(
            input=name,
            provider=provider,
            family=family,
            model=name,
            open_weights=open_weights,
            license=license_,
            confidence=1.0,
            matched_by="exact",
        )
