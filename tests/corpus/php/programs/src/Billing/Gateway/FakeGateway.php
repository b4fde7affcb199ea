<?php

namespace App\Billing\Gateway;

final class FakeGateway
{
    public function capture(int $amountCents, string $card): string
    {
        if ($amountCents > 10000) {
            throw new CardDeclinedException(sprintf('card ending %s declined (insufficient_funds)', substr($card, -4)), 51);
        }
        return 'ch_' . $amountCents;
    }
}
