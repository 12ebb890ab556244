"""Test helpers for people who write partners: the conformance suite."""

from .conformance import PartnerConformance

__all__ = ["PartnerConformance"]
