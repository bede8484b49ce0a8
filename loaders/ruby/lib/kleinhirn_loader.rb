# frozen_string_literal: true

# The Ruby side of kleinhirn's preloading. Apps only need `KleinhirnLoader::Worker.new.done`,
# and, when they must reopen connections after a fork, `KleinhirnLoader.after_fork` and
# `KleinhirnLoader.after_refork`. The loader itself (`KleinhirnLoader::CLI`,
# `KleinhirnLoader::Loader`) is required by bin/kleinhirn_loader.
module KleinhirnLoader
  # The status fd when `--status-fd` is not given, as in the original gem.
  DEFAULT_STATUS_FD = 3
end

require 'kleinhirn_loader/version'
require 'kleinhirn_loader/env'
require 'kleinhirn_loader/channel'
require 'kleinhirn_loader/worker'
require 'kleinhirn_loader/hooks'
