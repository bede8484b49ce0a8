# frozen_string_literal: true

module KleinhirnLoader
  VERSION = '0.2.0'
end
