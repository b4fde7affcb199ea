"""Category tree with a cycle: RecursionError."""
import sys


def depth(tree, node):
    parent = tree.get(node)
    if parent is None:
        return 0
    return 1 + depth(tree, parent)


if __name__ == "__main__":
    tree = {"shoes": "apparel", "apparel": "shoes"}
    print(f"computing depth for {sys.argv[1]}")
    depth(tree, "shoes")
