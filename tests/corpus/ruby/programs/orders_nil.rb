# Checkout for one order: the customer lookup misses and returns nil.
require_relative "lib/shop_store"

module Orders
  class Checkout
    def initialize(store)
      @store = store
    end

    def charge(order_id, customer_id)
      order = @store.order(order_id)
      customer = @store.customer(customer_id)
      receipt_to = customer.email
      "charged #{order[:total]} to #{receipt_to}"
    end
  end
end

order_id, customer_id = ARGV[0].to_i, ARGV[1].to_i
puts "processing order #{order_id}"
puts Orders::Checkout.new(ShopStore.new).charge(order_id, customer_id)
