<?php
// A helper gained a parameter; one caller was not updated.
namespace App\Shipping;

function quote(string $country, int $weightGrams): array
{
    return ['country' => $country, 'cents' => 500 + intdiv($weightGrams, 10)];
}

final class Estimator
{
    public function estimate(array $order): array
    {
        return quote($order['country']);
    }
}

print_r((new Estimator())->estimate(['id' => (int) $argv[1], 'country' => 'NZ']));
