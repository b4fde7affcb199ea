# CSV-ish import: quantities are parsed inside nested blocks.
module Inventory
  class StockImport
    def initialize(rows)
      @rows = rows
    end

    def quantities
      @rows.each_with_index.map do |row, i|
        row.split(";").map do |cell|
          Integer(cell)
        end
      end
    end
  end
end

rows = ["1;2;3", "4;#{ARGV[0]}a;6"]
p Inventory::StockImport.new(rows).quantities
