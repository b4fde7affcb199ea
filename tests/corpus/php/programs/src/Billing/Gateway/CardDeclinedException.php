<?php

namespace App\Billing\Gateway;

class CardDeclinedException extends \RuntimeException
{
}
