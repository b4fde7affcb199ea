<?php
// Nightly import: invalid JSON, wrapped twice on the way up.
namespace App\Import;

require __DIR__ . '/src/bootstrap.php';

use App\Jobs\JobFailedException;

final class PayloadParser
{
    public function parse(string $raw): array
    {
        try {
            return json_decode($raw, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new BadPayloadException(sprintf('payload of %d bytes is not valid JSON', strlen($raw)), 0, $e);
        }
    }
}

final class ImportJob
{
    public function handle(string $batchId, string $raw): array
    {
        try {
            return (new PayloadParser())->parse($raw);
        } catch (BadPayloadException $e) {
            throw new JobFailedException("import job for batch $batchId failed", 0, $e);
        }
    }
}

(new ImportJob())->handle($argv[1], '{"orders": [{"id": 1,}]}');
