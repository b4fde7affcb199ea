<?php

namespace App\Import;

class BadPayloadException extends \UnexpectedValueException
{
}
