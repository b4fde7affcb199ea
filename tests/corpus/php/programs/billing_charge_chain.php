<?php
// A declined card is wrapped into the application's ChargeException.
namespace App\Billing;

require __DIR__ . '/src/bootstrap.php';

use App\Billing\Gateway\CardDeclinedException;
use App\Billing\Gateway\FakeGateway;

final class Charger
{
    public function __construct(private FakeGateway $gateway) {}

    public function charge(string $invoiceId, int $amountCents): string
    {
        try {
            return $this->gateway->capture($amountCents, '4000000000009995');
        } catch (CardDeclinedException $e) {
            throw new ChargeException("charge for invoice INV-$invoiceId failed", 402, $e);
        }
    }
}

(new Charger(new FakeGateway()))->charge($argv[1], 12500);
