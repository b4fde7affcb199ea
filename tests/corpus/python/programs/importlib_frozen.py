"""Plugin loader: importlib.import_module of a plugin that fails at import time."""
import importlib
import sys


def load_plugin(name):
    return importlib.import_module(f"plugins.{name}")


if __name__ == "__main__":
    print(f"loading plugins for {sys.argv[1]}")
    load_plugin("exporter")
