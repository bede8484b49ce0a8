# frozen_string_literal: true

# The app as `rackup`/`puma` would load it; app.rb loads this file once, in kleinhirn's loader.
require_relative 'hello'
require_relative 'store'

run Hello.new(Store.instance)
