<?php
// Stock import: quantities are validated inside an array_map callback.
namespace App\Import;

final class StockImport
{
    public function quantities(array $rows): array
    {
        return array_map(function (string $cell): int {
            if (preg_match('/^\d+$/', $cell) !== 1) {
                throw new \InvalidArgumentException(sprintf('quantity "%s" is not a whole number', $cell));
            }
            return (int) $cell;
        }, $rows);
    }
}

print_r((new StockImport())->quantities(['1', '2', $argv[1] . 'a']));
