<?php
// Repository with static finders; the order does not exist.
namespace App\Domain;

class OrderNotFoundException extends \DomainException
{
    public static function withId(int $id): self
    {
        return new self("order $id not found", 404);
    }
}

final class Orders
{
    private static array $rows = [10001 => 'paid'];

    public static function findOrFail(int $id): string
    {
        return self::$rows[$id] ?? throw OrderNotFoundException::withId($id);
    }
}

final class RefundService
{
    public static function refund(int $orderId): string
    {
        $status = Orders::findOrFail($orderId);
        return "refunded $orderId ($status)";
    }
}

echo RefundService::refund((int) $argv[1]), "\n";
