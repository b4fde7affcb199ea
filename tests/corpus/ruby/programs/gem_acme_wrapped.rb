# Payment capture through the acme gem; its HTTP error is wrapped.
$LOAD_PATH.unshift("/usr/local/bundle/gems/acme-1.2.3/lib")
require "acme"

module Payments
  class CaptureFailed < StandardError; end

  class Capture
    def initialize(client)
      @client = client
    end

    def call(charge_id)
      @client.post("/v1/charges/#{charge_id}/capture", status: 502)
    rescue Acme::HTTPError => e
      raise CaptureFailed, "capture of #{charge_id} failed: upstream said #{e.status}"
    end
  end
end

client = Acme::Client.new("https://payments.internal", timeout: 5)
Payments::Capture.new(client).call(ARGV[0])
