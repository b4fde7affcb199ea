import datetime
import unittest

from shop import orders
from shop.errors import NotFound, ShopError

TODAY = datetime.date(2026, 11, 21)


class ShippingTest(unittest.TestCase):
    def test_standard(self):
        self.assertEqual(orders.shipping_cost({"shipping": "standard"}, 4999), 495)

    def test_standard_is_free_from_fifty(self):
        self.assertEqual(orders.shipping_cost({"shipping": "standard"}, 5000), 0)

    def test_express_is_never_free(self):
        self.assertEqual(orders.shipping_cost({"shipping": "express"}, 20000), 1290)

    def test_unknown_method_is_refused(self):
        with self.assertRaisesRegex(orders.OrderError, "unknown shipping method 'drone'"):
            orders.shipping_cost({"shipping": "drone"}, 1000)


class PlaceOrderTest(unittest.TestCase):
    def test_totals(self):
        order = orders.place_order(
            {"items": [{"sku": "mug", "qty": 2}, {"sku": "filters"}],
             "coupon": "WELCOME10", "shipping": "express"}, TODAY)
        self.assertEqual(order["subtotal"], 2 * 1450 + 650)
        self.assertEqual(order["discount"], 355)
        self.assertEqual(order["shipping"], 1290)
        self.assertEqual(order["total"], 3550 - 355 + 1290)
        self.assertIs(orders.get_order(order["id"]), order)

    def test_free_shipping_is_judged_after_the_discount(self):
        order = orders.place_order(
            {"items": [{"sku": "grinder"}], "coupon": "WELCOME10", "shipping": "standard"}, TODAY)
        self.assertEqual(order["shipping"], 0)
        order = orders.place_order(
            {"items": [{"sku": "filters", "qty": 8}], "coupon": "WELCOME10", "shipping": "standard"}, TODAY)
        self.assertEqual((order["subtotal"], order["discount"], order["shipping"]), (5200, 520, 495))

    def test_refusals(self):
        for payload in [
            {"items": [], "shipping": "standard"},
            {"items": [{"sku": "mug", "qty": 0}], "shipping": "standard"},
            {"items": [{"sku": "kettle"}], "shipping": "standard"},
            {"items": [{"sku": "mug"}], "coupon": "SUMMER25", "shipping": "standard"},
        ]:
            with self.subTest(payload=payload), self.assertRaises(ShopError):
                orders.place_order(payload, TODAY)

    def test_unknown_product_or_order(self):
        with self.assertRaises(NotFound):
            orders.place_order({"items": [{"sku": "teapot"}], "shipping": "standard"}, TODAY)
        with self.assertRaises(NotFound):
            orders.get_order(1)
