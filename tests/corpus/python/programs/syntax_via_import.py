"""Imports billing_rules.py, which has a syntax error."""
import sys

print(f"loading rules for tenant {sys.argv[1]}")
import billing_rules  # noqa: E402

print(billing_rules.RULES)
