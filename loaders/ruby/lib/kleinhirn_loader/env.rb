# frozen_string_literal: true

module KleinhirnLoader
  # The environment a worker gets from its supervisor. The names are the original's and part
  # of the contract: non-Ruby programs ack by writing to fd $KLEINHIRN_STATUS_FD.
  module Env
    WORKER_ID = 'KLEINHIRN_WORKER_ID'
    NAME = 'KLEINHIRN_NAME'
    VERSION = 'KLEINHIRN_VERSION'
    STATUS_FD = 'KLEINHIRN_STATUS_FD'
    ALL = [WORKER_ID, NAME, VERSION, STATUS_FD].freeze
  end
end
