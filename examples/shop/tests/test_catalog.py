import unittest

from shop import catalog
from shop.errors import NotFound


class AverageRatingTest(unittest.TestCase):
    def test_mean_to_one_decimal(self):
        self.assertEqual(catalog.average_rating([{"stars": 5}, {"stars": 4}, {"stars": 4}]), 4.3)

    def test_spam_reviews_do_not_count(self):
        reviews = [{"stars": 5}, {"stars": 1, "spam": True}, {"stars": 4}]
        self.assertEqual(catalog.average_rating(reviews), 4.5)

    def test_no_reviews_no_rating(self):
        self.assertIsNone(catalog.average_rating([]))


class ProductPageTest(unittest.TestCase):
    def test_product_page(self):
        page = catalog.product_page("grinder")
        self.assertEqual(page, {"sku": "grinder", "name": "Hand grinder", "price": 6900,
                                "in_stock": True, "stock": 6, "rating": 4.5, "reviews": 2})

    def test_unreviewed_product(self):
        page = catalog.product_page("filters")
        self.assertIsNone(page["rating"])
        self.assertEqual(page["reviews"], 0)

    def test_unknown_product(self):
        with self.assertRaises(NotFound):
            catalog.product_page("teapot")
