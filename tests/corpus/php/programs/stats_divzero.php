<?php
// Daily report: average basket value of a day without orders.
namespace App\Reports;

final class DailyReport
{
    public function __construct(private string $day, private array $totals) {}

    public function average(): float
    {
        return array_sum($this->totals) / count($this->totals);
    }

    public function render(): string
    {
        return sprintf('%s: %d orders, average %.2f', $this->day, count($this->totals), $this->average());
    }
}

echo (new DailyReport($argv[1], []))->render(), "\n";
