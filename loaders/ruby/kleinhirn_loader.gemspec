# frozen_string_literal: true

require_relative 'lib/kleinhirn_loader/version'

Gem::Specification.new do |s|
  s.name        = 'kleinhirn_loader'
  s.version     = KleinhirnLoader::VERSION
  s.summary     = 'Preloads a Ruby app once and forks kleinhirn workers from it (copy-on-write).'
  s.description = <<~TEXT
    The Ruby side of kleinhirn's `type = "ruby"` workers: a loader that loads the app once and
    forks workers on the supervisor's request, and `KleinhirnLoader::Worker#done`, the readiness
    ack. Wire- and API-compatible with the original kleinhirn_loader gem, with no runtime
    dependency.
  TEXT
  s.authors     = ['kleinhirn maintainers']
  s.licenses    = ['MIT', 'Apache-2.0']

  s.files       = Dir.glob('lib/**/*.rb') + Dir.glob('bin/*')
  s.bindir      = 'bin'
  s.executables = ['kleinhirn_loader']

  # Stdlib only (json, optparse, securerandom): it must run on a bare Debian `ruby`.
  s.required_ruby_version = '>= 2.7'
end
