# frozen_string_literal: true

require 'socket'

# Stands in for a database or cache client: a connection opened while the app loads. A forked
# worker must not use its parent's connection (two processes on one socket interleave their
# bytes), so every worker reconnects after the fork: the after_fork step of unicorn or puma's
# cluster mode, here called from RackExample.serve before puma starts.
class Store
  def self.instance
    @instance ||= new
  end

  def initialize
    connect
  end

  # Closes the inherited connection and opens this process's own.
  def reconnect
    @conn.close unless @conn.closed?
    connect
  end

  def describe
    "store connection opened by pid #{@owner}"
  end

  private

  def connect
    # A socketpair keeps the example self-contained; a real client would dial its server here.
    @conn, @peer = UNIXSocket.pair
    @owner = Process.pid
  end
end
