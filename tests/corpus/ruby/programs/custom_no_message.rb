# A fraud rule raises its error class without a message.
module Billing
  class Declined < StandardError; end

  class FraudCheck
    def verify!(score)
      raise Declined if score > 80
      true
    end
  end
end

Billing::FraudCheck.new.verify!(ARGV[0].to_i)
