# Currency codes are frozen constants; normalising one in place fails.
module Fx
  DEFAULT_CURRENCY = "eur".freeze

  class Converter
    def initialize(currency = DEFAULT_CURRENCY)
      @currency = currency
    end

    def normalise!
      @currency.upcase!
      @currency
    end
  end
end

puts "converting for account #{ARGV[0]}"
Fx::Converter.new.normalise!
