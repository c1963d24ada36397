"""The compliance rules, grouped by rule-id family (docs/rules.md). Importing this package registers them all."""

from socialpub.rules import (  # noqa: F401  (each module registers its rules)
    balance,
    channel,
    claims,
    conduct,
    files,
    meta,
    offlabel,
    visible,
)
from socialpub.rules.engine import RULES, Finding, evaluate

__all__ = ["RULES", "Finding", "evaluate"]
