# Nightly import: a bad JSON payload, wrapped twice on its way up.
require "json"

module Importer
  class BadPayload < StandardError; end

  def self.parse(raw)
    JSON.parse(raw)
  rescue JSON::ParserError
    raise BadPayload, "payload of batch #{raw.bytesize} bytes is not valid JSON"
  end
end

module Jobs
  class JobFailed < StandardError; end

  class ImportJob
    def perform(batch_id, raw)
      Importer.parse(raw)
    rescue Importer::BadPayload
      raise JobFailed, "import job for batch #{batch_id} failed"
    end
  end
end

Jobs::ImportJob.new.perform(ARGV[0], '{"orders": [{"id": 1,}]}')
