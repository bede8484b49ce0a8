# frozen_string_literal: true

# examples/rack: a Rack app preloaded once by kleinhirn's loader (`load = "app.rb"`), served by
# one single-mode puma per worker (`start_expression = "RackExample.serve"`) on the listen
# socket that `kleinhirn listen` bound and passed down (LISTEN_FDS, fd 3).
require 'rack'
require 'puma'
require 'puma/configuration'
require 'puma/launcher'
require 'kleinhirn_loader'

module RackExample
  # Loaded once, in the loader; every worker is a fork and shares it copy-on-write.
  APP = begin
    built = Rack::Builder.parse_file(File.expand_path('config.ru', __dir__))
    built.is_a?(Array) ? built.first : built # rack 2 returns [app, options]
  end

  module_function

  # Runs in every worker, after the fork.
  def serve
    after_fork
    unless ENV['LISTEN_FDS']
      abort 'examples/rack: no listen socket; start kleinhirn behind `kleinhirn listen tcp://0.0.0.0:8080 --`'
    end
    # puma's own sd_notify support needs the sd_notify gem, which Debian does not ship; without
    # it puma only warns. The ack below is the readiness signal instead.
    ENV.delete('NOTIFY_SOCKET')
    launcher = Puma::Launcher.new(puma_config, events: Puma::Events.stdio)
    # The ack: puma has bound the inherited socket and its server threads run.
    launcher.events.on_booted { KleinhirnLoader::Worker.new.done }
    launcher.run
  end

  # Per-process resources a fork must not share: reconnect them here.
  def after_fork
    Store.instance.reconnect
  end

  def puma_config
    Puma::Configuration.new(config_files: ['-']) do |c|
      c.app APP
      c.environment ENV.fetch('RACK_ENV', 'production')
      # Exactly the sockets from LISTEN_FDS; puma binds nothing itself.
      c.bind_to_activated_sockets 'only'
      c.threads 1, Integer(ENV.fetch('PUMA_THREADS', '4'))
      c.workers 0 # single mode: kleinhirn is the cluster
      c.raise_exception_on_sigterm false # TERM: finish requests in flight, then return (exit 0)
      c.quiet
    end
  end
end
