# frozen_string_literal: true

module Acme
  class Error < StandardError; end

  class TimeoutError < Error; end

  class HTTPError < Error
    attr_reader :status

    def initialize(message, status)
      super(message)
      @status = status
    end
  end
end
