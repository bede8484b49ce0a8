# frozen_string_literal: true

require 'json'

module KleinhirnLoader
  # The writing half of the status socket, shared by the loader and every worker forked from it.
  #
  # Hazard: several processes write to one stream socket. Each message therefore goes out as
  # ONE write(2) of the complete line; Linux delivers a unix-stream write that fits in one skb
  # (far more than Messages::MAX_TEXT) without interleaving it with other writers. Buffered
  # `puts` + `flush`, as in the original gem, may split a line into several writes.
  class Channel
    def self.line(message)
      JSON.generate(message) << "\n"
    end

    attr_reader :io

    def initialize(io)
      @io = io
    end

    def fileno
      @io.fileno
    end

    # Raises Errno::EPIPE / Errno::ECONNRESET when the supervisor has gone away.
    def write(message)
      line = self.class.line(message)
      written = write_once(line)
      # Only a signal arriving mid-write, or a peer gone, makes a blocking write short; finish
      # the line rather than leave half a message on the wire.
      written += write_once(line.byteslice(written..-1)) while written < line.bytesize
      nil
    end

    private

    def write_once(bytes)
      @io.syswrite(bytes)
    rescue IO::WaitWritable, Errno::EAGAIN
      # The fd may be O_NONBLOCK: the flag belongs to the open file description, which the
      # supervisor's spawner, the loader and every worker share (Ruby >= 3 sets it on sockets it
      # creates). A full socket then fails the write with EAGAIN before sending anything (a line
      # is one skb); wait until it drains and write the line again, still in one piece.
      IO.select(nil, [@io])
      retry
    end
  end
end
