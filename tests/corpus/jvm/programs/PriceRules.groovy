package com.example.pricing

// Groovy: a closure reads a property of a price-list entry that does not exist.
class PriceRules {
    static Map<String, Map> priceList = [
            'SKU-1001': [net: 19.99, tax: 0.19],
            'SKU-1002': [net: 45.50, tax: 0.19],
    ]

    static BigDecimal gross(String sku) {
        def entry = priceList[sku]
        entry.net * (1 + entry.tax)
    }

    static void main(String[] args) {
        def skus = ['SKU-1001', "SKU-${args[0]}".toString()]
        skus.each { sku ->
            println "${sku}: ${gross(sku)}"
        }
    }
}
