import json
import threading
import unittest
import urllib.error
import urllib.request
from unittest import mock

from shop import app


class AppTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = app.make_server()
        cls.base = f"http://127.0.0.1:{cls.server.server_port}"
        threading.Thread(target=cls.server.serve_forever, args=(0.05,), daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def request(self, method, path, body=None):
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        with self.assertLogs("shop", "INFO"):
            try:
                with urllib.request.urlopen(req, timeout=5) as response:
                    return response.status, json.load(response)
            except urllib.error.HTTPError as e:
                return e.code, json.load(e)

    def test_products(self):
        status, body = self.request("GET", "/products")
        self.assertEqual(status, 200)
        self.assertEqual([p["sku"] for p in body["products"]], ["mug", "grinder", "filters", "kettle"])
        self.assertEqual(self.request("GET", "/products/mug")[1]["rating"], 4.3)
        self.assertEqual(self.request("GET", "/products/teapot"), (404, {"error": "no product 'teapot'"}))

    def test_order(self):
        status, order = self.request("POST", "/orders", {"items": [{"sku": "mug"}], "shipping": "standard"})
        self.assertEqual((status, order["total"]), (201, 1450 + 495))
        self.assertEqual(self.request("GET", f"/orders/{order['id']}"), (200, order))

    def test_bad_requests(self):
        self.assertEqual(self.request("POST", "/orders", b"{"), (400, {"error": "the body is not valid JSON"}))
        self.assertEqual(self.request("POST", "/orders", [1])[0], 400)
        self.assertEqual(self.request("GET", "/basket")[0], 404)

    def test_unexpected_errors_are_logged_and_answered_500(self):
        with mock.patch("shop.catalog.product_page", side_effect=RuntimeError("disk on fire")), \
                self.assertLogs("shop.app", "ERROR") as logs:
            self.assertEqual(self.request("GET", "/products/mug"), (500, {"error": "internal server error"}))
        self.assertEqual(logs.records[0].getMessage(), "unhandled error on GET /products/mug")
        self.assertIn("RuntimeError: disk on fire", logs.output[0])
