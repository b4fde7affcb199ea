package com.example.cart

// Groovy: a typo'd method name surfaces as a MissingMethodException at run time.
class LineItem {
    String sku
    int qty
    BigDecimal price

    BigDecimal lineTotal() { price * qty }
}

class Cart {
    List<LineItem> items = []

    BigDecimal total() {
        items.sum { it.lineTotl() } ?: 0
    }
}

class CartTotals {
    static void main(String[] args) {
        def cart = new Cart()
        cart.items << new LineItem(sku: 'SKU-1001', qty: 2, price: 19.99)
        cart.items << new LineItem(sku: "SKU-${args[0]}", qty: 1, price: 5.00)
        println "cart total: ${cart.total()}"
    }
}
