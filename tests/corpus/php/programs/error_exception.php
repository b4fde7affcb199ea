<?php
// Framework-style error handler: every warning becomes an ErrorException.
namespace App\Kernel;

final class HandleErrors
{
    public function register(): void
    {
        set_error_handler([$this, 'handle']);
    }

    public function handle(int $level, string $message, string $file = '', int $line = 0): bool
    {
        throw new \ErrorException($message, 0, $level, $file, $line);
    }
}

namespace App\Orders;

final class ShipmentBuilder
{
    public function build(array $payload): array
    {
        return ['sku' => $payload['sku'], 'qty' => $payload['qty'] ?? 1];
    }
}

(new \App\Kernel\HandleErrors())->register();
print_r((new ShipmentBuilder())->build(['order' => (int) $argv[1], 'qty' => 3]));
