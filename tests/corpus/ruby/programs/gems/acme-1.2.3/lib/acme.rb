# frozen_string_literal: true

require_relative "acme/version"
require_relative "acme/errors"
require_relative "acme/connection"
require_relative "acme/client"
