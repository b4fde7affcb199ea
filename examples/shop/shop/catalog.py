"""The product catalogue and its customer reviews."""

from .errors import NotFound

# sku -> product; prices in cents. Reviews flagged as spam by moderation
# stay stored but do not count.
PRODUCTS = {
    "mug": {
        "name": "Enamel mug", "price": 1450, "stock": 40,
        "reviews": [{"stars": 5}, {"stars": 4}, {"stars": 4}],
    },
    "grinder": {
        "name": "Hand grinder", "price": 6900, "stock": 6,
        "reviews": [{"stars": 5}, {"stars": 1, "spam": True}, {"stars": 4}],
    },
    "filters": {
        "name": "Paper filters (100)", "price": 650, "stock": 300,
        "reviews": [],
    },
    "kettle": {
        "name": "Gooseneck kettle", "price": 4800, "stock": 0,
        "reviews": [{"stars": 1, "spam": True}],
    },
}


def get_product(sku):
    try:
        return PRODUCTS[sku]
    except KeyError:
        raise NotFound(f"no product {sku!r}") from None


def average_rating(reviews):
    """Mean stars of the reviews that count (those not flagged as spam), to
    one decimal; None when there are none."""
    if not reviews:
        return None
    stars = [r["stars"] for r in reviews if not r.get("spam")]
    return round(sum(stars) / len(stars), 1)


def summary(sku):
    product = get_product(sku)
    return {
        "sku": sku,
        "name": product["name"],
        "price": product["price"],
        "in_stock": product["stock"] > 0,
    }


def product_page(sku):
    """Everything the product page shows."""
    product = get_product(sku)
    counted = [r for r in product["reviews"] if not r.get("spam")]
    return {
        **summary(sku),
        "stock": product["stock"],
        "rating": average_rating(product["reviews"]),
        "reviews": len(counted),
    }
