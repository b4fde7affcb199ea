# A mail worker thread dies; the supervisor notices and exits.
module Mailer
  class Worker
    def initialize(queue)
      @queue = queue
    end

    def run
      @queue.each do |job|
        deliver(job)
      end
    end

    def deliver(job)
      job.fetch(:to)
    end
  end
end

queue = [{ to: "ada@example.com", id: 1 }, { id: ARGV[0].to_i }]
worker = Thread.new { Mailer::Worker.new(queue).run }
worker.name = "mailer-1"
begin
  worker.join
rescue KeyError
  exit 1
end
