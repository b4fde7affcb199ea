"""Check the answers in this directory against the shop's test suite.

    python3 fixes/check_fixes.py

Each <bug>.right.txt and <bug>.wrong.txt is a fix written the way a model
answers tracefix: an explanation, the file's path on its own line, then one
SEARCH/REPLACE block. For each bug, on a fresh copy of the shop: the SEARCH
text must occur exactly once; after the right fix the default suite and the
bug's regression test pass; after the wrong fix the default suite fails. The
unmodified code must pass the default suite and fail every regression test.
Exits 1 if anything is otherwise.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

FIXES = os.path.dirname(os.path.abspath(__file__))
SHOP = os.path.dirname(FIXES)
TEST_COMMAND = [sys.executable, "-m", "unittest", "discover", "-s", "tests", "-t", "."]
REGRESSION = {
    "shipping_default": "tests.test_regressions.ShippingDefaultRegression",
    "unknown_coupon": "tests.test_regressions.UnknownCouponRegression",
    "spam_only_rating": "tests.test_regressions.SpamOnlyRatingRegression",
}
BLOCK = re.compile(r"^(?P<path>\S+)\n<<<<<<< SEARCH\n(?P<search>.*?\n)=======\n(?P<replace>.*?\n)?>>>>>>> REPLACE\n?\Z",
                   re.S | re.M)


def parse(answer):
    match = BLOCK.search(answer)
    if not match:
        raise ValueError("no path and SEARCH/REPLACE block at the end")
    return match["path"], match["search"], match["replace"] or ""


def fresh_copy(into):
    for name in ("shop", "tests"):
        shutil.copytree(os.path.join(SHOP, name), os.path.join(into, name),
                        ignore=shutil.ignore_patterns("__pycache__"))


def apply(root, answer):
    path, search, replace = parse(answer)
    file = os.path.join(root, path)
    with open(file) as f:
        text = f.read()
    if text.count(search) != 1:
        raise ValueError(f"SEARCH text occurs {text.count(search)} times in {path}")
    with open(file, "w") as f:
        f.write(text.replace(search, replace))


def run(root, *tests, regressions=False):
    """(passed, names of failing tests)"""
    env = {k: v for k, v in os.environ.items() if k != "SHOP_REGRESSION_TESTS"}
    if regressions:
        env["SHOP_REGRESSION_TESTS"] = "1"
    command = TEST_COMMAND if not tests else [sys.executable, "-m", "unittest", *tests]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    failing = re.findall(r"^(?:FAIL|ERROR): (\S+)", result.stderr, re.M)
    return result.returncode == 0, failing


def main():
    problems = []

    def expect(ok, what):
        print(("ok    " if ok else "WRONG ") + what)
        if not ok:
            problems.append(what)

    with tempfile.TemporaryDirectory() as root:
        fresh_copy(root)
        expect(run(root)[0], "unmodified: default suite passes")
        for bug, test in REGRESSION.items():
            expect(not run(root, test, regressions=True)[0], f"unmodified: {test} fails")

    for bug, test in REGRESSION.items():
        for kind in ("right", "wrong"):
            with open(os.path.join(FIXES, f"{bug}.{kind}.txt")) as f:
                answer = f.read()
            with tempfile.TemporaryDirectory() as root:
                fresh_copy(root)
                try:
                    apply(root, answer)
                except (OSError, ValueError) as e:
                    expect(False, f"{bug}.{kind}: does not apply: {e}")
                    continue
                passed, failing = run(root)
                if kind == "right":
                    expect(passed, f"{bug}.right: default suite passes")
                    expect(run(root, test, regressions=True)[0], f"{bug}.right: {test} passes")
                else:
                    expect(not passed, f"{bug}.wrong: default suite fails ({', '.join(failing)})")

    print(f"{len(problems)} problem(s)" if problems else "all fixes behave as documented")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
