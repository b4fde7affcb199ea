<?php

declare(strict_types=1);

namespace Acme\Lib;

use Acme\Lib\Exception\HttpException;
use Acme\Lib\Exception\TransportException;

/**
 * Minimal HTTP client of the (fictional) acme/lib package.
 */
class Client
{
    private Transport $transport;

    public function __construct(private string $baseUri, private int $timeout = 10)
    {
        $this->transport = new Transport($timeout);
    }

    public function get(string $path): array
    {
        return $this->request('GET', $path);
    }

    public function post(string $path, array $options = []): array
    {
        return $this->request('POST', $path, $options);
    }

    private function request(string $method, string $path, array $options = []): array
    {
        $response = $this->transport->send($method, $this->baseUri . $path, $options);
        if ($response['status'] >= 400) {
            throw new HttpException(sprintf('%s %s returned %d', $method, $path, $response['status']), $response['status']);
        }
        return $response;
    }
}
