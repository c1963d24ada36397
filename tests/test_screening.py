"""Screening comments for potential adverse events (socialpub.safety.screening)."""

from __future__ import annotations

from socialpub.config import Product
from socialpub.safety.screening import Screening, lexicon, screen

PRODUCTS = {"zyntrava": Product(key="zyntrava", brand="Zyntrava", established="velotinib")}
LEX = lexicon(PRODUCTS)


def test_a_reported_side_effect_is_a_potential_ae_with_its_evidence() -> None:
    text = "Zyntrava gave my husband terrible headaches"
    found = screen(text, LEX, post_products=["zyntrava"])
    assert isinstance(found, Screening)
    assert (found.category, found.needs_person) == ("ae", True)
    assert found.elements == {"product", "event", "patient", "reporter"}
    assert [(s.element, text[s.start:s.end]) for s in found.spans] == [
        ("product", "Zyntrava"), ("patient", "my husband"), ("event", "headaches")]
