<?php

declare(strict_types=1);

namespace Acme\Lib;

use Acme\Lib\Exception\TransportException;

/**
 * @internal
 */
final class Transport
{
    public function __construct(private int $timeout)
    {
    }

    public function send(string $method, string $uri, array $options): array
    {
        if (isset($options['simulate_status'])) {
            return ['status' => $options['simulate_status'], 'body' => ''];
        }
        return $this->retry(3, fn (int $attempt) => $this->attempt($method, $uri, $attempt));
    }

    private function retry(int $times, callable $fn): array
    {
        for ($i = 1; ; $i++) {
            try {
                return $fn($i);
            } catch (TransportException $e) {
                if ($i >= $times) {
                    throw $e;
                }
            }
        }
    }

    private function attempt(string $method, string $uri, int $attempt): array
    {
        throw new TransportException(sprintf('cURL error 28: Operation timed out after %d milliseconds (%s %s, attempt %d)', $this->timeout * 1000, $method, $uri, $attempt));
    }
}
