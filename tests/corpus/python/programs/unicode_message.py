"""Unicode in paths, names and the message."""
import sys


def validate_name(name):
    raise ValueError(f"ungültiger Kundenname «{name}» für Bestellung №{sys.argv[1]} — 请检查 ✗")


def register(customer):
    validate_name(customer["name"])


if __name__ == "__main__":
    register({"name": "山田 太郎 🚀"})
