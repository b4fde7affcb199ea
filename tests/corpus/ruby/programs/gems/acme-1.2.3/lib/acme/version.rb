# frozen_string_literal: true

module Acme
  VERSION = "1.2.3"
end
