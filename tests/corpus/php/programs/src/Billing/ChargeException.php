<?php

namespace App\Billing;

class ChargeException extends \RuntimeException
{
}
