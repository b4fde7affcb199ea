"""Config loader: nested dict access (PEP 657 carets under a['x']['y'])."""
import sys

CONFIG = {
    "db": {"primary": {"host": "db-1.internal", "port": 5432}},
    "cache": {"host": "redis.internal"},
}


def replica_host(config, index):
    return config["db"]["replicas"][index]["host"]


def connect_all(config):
    return [replica_host(config, i) for i in range(2)]


if __name__ == "__main__":
    print(f"env={sys.argv[1]}")
    connect_all(CONFIG)
