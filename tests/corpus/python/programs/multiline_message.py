"""Config validation with a multi-line exception message."""
import sys


def validate(cfg):
    problems = []
    if not isinstance(cfg.get("port"), int):
        problems.append(f"  - port must be an int, got {cfg.get('port')!r}")
    if "host" not in cfg:
        problems.append("  - host is required")
    if cfg.get("workers", 1) > 64:
        problems.append(f"  - workers must be <= 64, got {cfg['workers']}")
    if problems:
        raise ValueError("invalid configuration for service orders-api:\n" + "\n".join(problems))


if __name__ == "__main__":
    validate({"port": "80" + sys.argv[1], "workers": 128})
