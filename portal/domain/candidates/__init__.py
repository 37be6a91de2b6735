"""Candidates: records, lists, imports, sign-in links, their home page."""
