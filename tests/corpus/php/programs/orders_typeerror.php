<?php
// Checkout: a quantity arrives as a string from the form and hits a strict signature.
declare(strict_types=1);

namespace App\Orders;

require __DIR__ . '/src/bootstrap.php';

final class Pricing
{
    public function lineTotal(int $qty, int $unitCents): int
    {
        return $qty * $unitCents;
    }
}

final class Checkout
{
    public function __construct(private Pricing $pricing) {}

    public function total(array $lines): int
    {
        $sum = 0;
        foreach ($lines as [$sku, $qty, $unit]) {
            $sum += $this->pricing->lineTotal($qty, $unit);
        }
        return $sum;
    }
}

$orderId = $argv[1];
echo "processing order $orderId\n";
$lines = [['SKU-1', 2, 1999], ['SKU-2', $argv[2], 499]];
echo (new Checkout(new Pricing()))->total($lines), "\n";
