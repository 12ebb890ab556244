"""Test helpers for people who write partners and storage backends: the conformance suites."""

from .conformance import PartnerConformance
from .storage import StorageConformance

__all__ = ["PartnerConformance", "StorageConformance"]
