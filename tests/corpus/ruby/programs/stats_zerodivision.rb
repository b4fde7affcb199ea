# Daily report: average basket size over a day without orders.
module Reports
  class Daily
    def initialize(day, totals)
      @day = day
      @totals = totals
    end

    def average
      @totals.sum / @totals.size
    end

    def render
      "#{@day}: #{@totals.size} orders, average #{average} cents"
    end
  end
end

puts Reports::Daily.new(ARGV[0], []).render
