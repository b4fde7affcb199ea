<?php
// Export streams rows from a generator; a row without a price breaks it.
namespace App\Export;

final class OrderExport
{
    public function rows(array $orders): \Generator
    {
        foreach ($orders as $id => $order) {
            if (!isset($order['price'])) {
                throw new \UnexpectedValueException("order $id has no price");
            }
            yield $id => sprintf('%d;%s;%.2f', $id, $order['sku'], $order['price']);
        }
    }

    public function write(array $orders): int
    {
        $n = 0;
        foreach ($this->rows($orders) as $line) {
            $n += strlen($line);
        }
        return $n;
    }
}

$orders = [101 => ['sku' => 'SKU-1', 'price' => 19.99], (int) $argv[1] => ['sku' => 'SKU-2']];
echo (new OrderExport())->write($orders), "\n";
