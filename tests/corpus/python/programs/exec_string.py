"""Rules engine: user rules compiled from strings (frames without source lines)."""
import sys

RULE = """
def discount(order):
    return order["total"] / order["items"]

result = discount(order)
"""


def run_rule(source, order):
    code = compile(source, "<string>", "exec")
    scope = {"order": order}
    exec(code, scope)
    return scope["result"]


if __name__ == "__main__":
    run_rule(RULE, {"id": int(sys.argv[1]), "total": 30, "items": 0})
