<?php
// Receipt mail: the customer lookup misses; a warning comes first, then the crash.
namespace App\Mail;

final class CustomerRepository
{
    private array $rows = [100001 => 'ada@example.com'];

    public function find(int $id): ?Customer
    {
        return isset($this->rows[$id]) ? new Customer($id, $this->rows[$id]) : null;
    }
}

final class Customer
{
    public function __construct(public int $id, private string $email) {}

    public function getEmail(): string
    {
        return $this->email;
    }
}

final class ReceiptMailer
{
    public function __construct(private CustomerRepository $customers) {}

    public function send(int $orderId, int $customerId): string
    {
        $subject = "Receipt for order $orderId" . $suffix;
        $customer = $this->customers->find($customerId);
        return $subject . ' -> ' . $customer->getEmail();
    }
}

echo (new ReceiptMailer(new CustomerRepository()))->send((int) $argv[1], (int) $argv[2]), "\n";
