# frozen_string_literal: true

module Acme
  class Connection
    def initialize(base_url, timeout:)
      @base_url = base_url
      @timeout = timeout
    end

    def perform(verb, path, status: nil)
      with_retries(verb) do |attempt|
        if status
          raise HTTPError.new("#{verb} #{@base_url}#{path} returned #{status}", status)
        end
        raise TimeoutError, "#{verb} #{@base_url}#{path} timed out after #{@timeout}s (attempt #{attempt})"
      end
    end

    private

    def with_retries(verb)
      attempts = verb == "GET" ? 3 : 1
      attempts.times do |i|
        begin
          return yield(i + 1)
        rescue TimeoutError
          raise if i + 1 == attempts
        end
      end
    end
  end
end
