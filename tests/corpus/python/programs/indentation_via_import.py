"""Imports legacy_config.py, which has an indentation error."""
import legacy_config  # noqa: F401

print(legacy_config.SETTINGS)
