# A tiny in-memory store shared by several programs.
class ShopStore
  Customer = Struct.new(:id, :email, :tier)

  def initialize
    @customers = { 100001 => Customer.new(100001, "ada@example.com", :gold) }
  end

  def order(id)
    { id: id, total: "49.90 EUR", lines: [["SKU-1", 2], ["SKU-2", 1]] }
  end

  def customer(id)
    @customers[id]
  end
end
