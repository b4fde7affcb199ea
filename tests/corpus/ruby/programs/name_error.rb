# A typo in a local variable name, caught only at run time.
module Checkout
  class Cart
    def initialize(items, discount)
      @items = items
      @discount = discount
    end

    def total
      discount = @discount
      gross = @items.sum { |_sku, cents| cents }
      gross - discont
    end
  end
end

puts Checkout::Cart.new({ "SKU-1" => 1999, "SKU-2" => ARGV[0].to_i }, 500).total
