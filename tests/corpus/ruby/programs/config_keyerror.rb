# Boot: required settings are fetched from the environment hash.
module Shop
  class Settings
    def initialize(env)
      @env = env
    end

    def database_url
      @env.fetch("DATABASE_URL")
    end

    def load!
      { db: database_url, redis: @env.fetch("REDIS_URL", "redis://localhost:6379/0") }
    end
  end
end

env = { "DATABASE_URI" => "postgres://db/#{ARGV[0]}", "RACK_ENV" => "production" }
Shop::Settings.new(env).load!
