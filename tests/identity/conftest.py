"""Fixtures for identity tests."""

from __future__ import annotations

import pytest

from tos_check.identity.resolver import Resolver


@pytest.fixture(scope="session")
def resolver() -> Resolver:
    """The built-in resolver, shared like it is in a real run (its cache too)."""
    return Resolver.builtin()
