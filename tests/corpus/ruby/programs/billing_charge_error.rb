# A declined card is wrapped into the application's own error class.
module Billing
  class Error < StandardError; end
  class ChargeError < Error; end

  module Gateway
    class CardDeclined < StandardError; end

    def self.capture(amount_cents, card)
      raise CardDeclined, "card ending #{card[-4..]} declined (insufficient_funds)" if amount_cents > 10_000
      "ch_#{amount_cents}"
    end
  end

  class Charger
    def charge(invoice_id, amount_cents)
      Gateway.capture(amount_cents, "4000000000009995")
    rescue Gateway::CardDeclined => e
      raise ChargeError, "charge for invoice INV-#{invoice_id} failed"
    end
  end
end

Billing::Charger.new.charge(ARGV[0], 12_500)
