# Release check at the top of a script: the message spans several lines.
problems = ["REDIS_URL is not set", "SECRET_KEY_BASE is shorter than 64 characters (got #{ARGV[0].length})"]
raise "configuration rejected:\n  - " + problems.join("\n  - ") unless problems.empty?
