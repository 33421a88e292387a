"""The disclosure attack suite's helpers: an anonymous visitor of the public edition (crawl), the attacker's reading
of the public documentation (knowledge), the attacks themselves (attacker, limits) and dense generated data (dense).
tests/unit/test_disclosure_attack.py runs them."""
