<?php

namespace App\Payments;

class CaptureFailedException extends \RuntimeException
{
}
