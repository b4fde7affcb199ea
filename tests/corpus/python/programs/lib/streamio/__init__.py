"""Tiny stream reading package used by the corpus."""
