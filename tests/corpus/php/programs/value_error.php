<?php
// CSV header and row lengths differ.
namespace App\Export;

final class CsvRow
{
    public static function combine(array $header, array $values): array
    {
        return array_combine($header, $values);
    }
}

$header = ['sku', 'qty', 'price'];
$row = ['SKU-' . $argv[1], '2'];
print_r(CsvRow::combine($header, $row));
