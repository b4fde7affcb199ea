# frozen_string_literal: true

module Acme
  class Client
    def initialize(base_url, timeout: 10)
      @connection = Connection.new(base_url, timeout: timeout)
    end

    def get(path)
      request("GET", path)
    end

    def post(path, status: nil)
      request("POST", path, status: status)
    end

    private

    def request(verb, path, **opts)
      @connection.perform(verb, path, **opts)
    end
  end
end
