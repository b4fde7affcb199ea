<?php
// A renamed method is still called from the order controller.
namespace App\Cart;

final class Cart
{
    private array $items = [];

    public function add(string $sku, int $qty): void
    {
        $this->items[$sku] = $qty;
    }

    public function total(): int
    {
        return array_sum($this->items);
    }
}

final class CartController
{
    public function show(string $cartId): string
    {
        $cart = new Cart();
        $cart->add('SKU-1', 2);
        return "cart $cartId total " . $cart->totl();
    }
}

echo (new CartController())->show($argv[1]), "\n";
