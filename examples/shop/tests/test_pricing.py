import datetime
import unittest

from shop import pricing

TODAY = datetime.date(2026, 11, 21)


class CouponTest(unittest.TestCase):
    def test_percent_off(self):
        self.assertEqual(pricing.coupon_discount("WELCOME10", 4350, TODAY), 435)

    def test_code_in_any_case(self):
        self.assertEqual(pricing.coupon_discount("welcome10", 1000, TODAY), 100)

    def test_minimum_subtotal(self):
        self.assertEqual(pricing.coupon_discount("BULK15", 10000, TODAY), 1500)
        with self.assertRaisesRegex(pricing.CouponError, "needs a subtotal"):
            pricing.coupon_discount("BULK15", 9999, TODAY)

    def test_expired_coupon_is_refused(self):
        self.assertEqual(pricing.coupon_discount("SUMMER25", 1000, datetime.date(2025, 9, 30)), 250)
        with self.assertRaisesRegex(pricing.CouponError, "expired"):
            pricing.coupon_discount("SUMMER25", 1000, TODAY)
