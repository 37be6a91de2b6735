"""The talent pool: withdrawn candidates, why they left, consent, recalls, growth paths.

See docs/talent.md for the rules (consent, anonymisation, cadence) and what is kept.
"""
