# Line totals mix integers and strings coming from a form.
module Invoices
  Line = Struct.new(:sku, :qty, :unit_cents)

  def self.total(lines)
    lines.inject(0) { |sum, line| sum + line.qty * line.unit_cents }
  end
end

lines = [Invoices::Line.new("SKU-1", 2, 1999), Invoices::Line.new("SKU-2", 1, ARGV[0])]
puts Invoices.total(lines)
