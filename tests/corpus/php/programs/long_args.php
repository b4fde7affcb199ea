<?php
// Validation error with a multi-line message; long string arguments are cut by PHP.
namespace App\Orders;

final class Order
{
    public function __construct(public int $id, public string $note) {}
}

final class Validator
{
    public function check(Order $order, string $customerNote, array $rules): void
    {
        $errors = [];
        foreach ($rules as $field => $max) {
            if (strlen($customerNote) > $max) {
                $errors[] = "$field is longer than $max characters";
            }
        }
        if ($errors) {
            throw new \DomainException("order {$order->id} is invalid:\n- " . implode("\n- ", $errors));
        }
    }
}

$order = new Order((int) $argv[1], 'gift wrap');
(new Validator())->check($order, 'Please leave the parcel with the neighbour at number 12', ['note' => 40, 'gift_message' => 20]);
