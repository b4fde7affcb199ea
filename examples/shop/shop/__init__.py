"""A small online shop: a JSON HTTP service for products and orders."""
