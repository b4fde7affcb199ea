<?php

namespace App\Jobs;

class JobFailedException extends \RuntimeException
{
}
