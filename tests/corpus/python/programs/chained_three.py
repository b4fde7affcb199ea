"""Service startup: FileNotFoundError -> ConfigError (from) -> RuntimeError (during handling)."""
import sys


class ConfigError(Exception):
    pass


def read_config(path):
    with open(path) as fh:
        return fh.read()


def load_settings(path):
    try:
        return read_config(path)
    except OSError as exc:
        raise ConfigError(f"settings file {path} is unreadable") from exc


def start(path, port):
    try:
        load_settings(path)
    except ConfigError:
        raise RuntimeError(f"orders-api failed to start on port {port}")


if __name__ == "__main__":
    start("/etc/tfcorpus-does-not-exist/orders.toml", int(sys.argv[1]))
