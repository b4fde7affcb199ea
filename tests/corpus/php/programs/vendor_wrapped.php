<?php
// Payment capture through acme/lib; its HTTP error becomes the previous exception.
namespace App\Payments;

require __DIR__ . '/src/bootstrap.php';

use Acme\Lib\Client;
use Acme\Lib\Exception\HttpException;

final class Capture
{
    public function __construct(private Client $client) {}

    public function __invoke(string $chargeId): array
    {
        try {
            return $this->client->post("/v1/charges/$chargeId/capture", ['simulate_status' => 502]);
        } catch (HttpException $e) {
            throw new CaptureFailedException(sprintf('capture of %s failed: upstream said %d', $chargeId, $e->getCode()), 0, $e);
        }
    }
}

(new Capture(new Client('https://payments.internal', 5)))($argv[1]);
