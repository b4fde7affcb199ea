# A slow report query is cut off by Timeout.
require "timeout"

module Reports
  class Export
    def run(rows)
      Timeout.timeout(0.05) do
        rows.times { |i| fetch_page(i) }
      end
    end

    def fetch_page(_i)
      sleep 1
    end
  end
end

Reports::Export.new.run(ARGV[0].to_i)
