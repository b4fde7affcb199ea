<?php
// Inventory sync through the vendored acme/lib HTTP client; the upstream times out.
namespace App\Inventory;

require __DIR__ . '/src/bootstrap.php';

use Acme\Lib\Client;

final class StockSync
{
    public function __construct(private Client $client) {}

    public function pull(string $sku): array
    {
        return $this->client->get("/v1/stock/$sku");
    }
}

(new StockSync(new Client('https://inventory.internal', 2)))->pull($argv[1]);
