<?php

declare(strict_types=1);

namespace Acme\Lib\Exception;

class HttpException extends \RuntimeException
{
}
