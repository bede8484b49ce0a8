# frozen_string_literal: true

module KleinhirnLoader
  # A spare worker's wait: forked ahead (`{"op":"spare"}`), it parks before the start expression
  # until the supervisor promotes it by sending it SIGCONT; then it runs the start expression and
  # acks like any worker, with the same pid and id.
  #
  # Why a signal: promotion must not need the loader (a spare outlives a dead loader and is
  # still promotable), and a signal to a pid is the shortest path there is.
  #
  # Hazard: a promotion must never be lost. The handler is therefore installed in the loader
  # BEFORE the fork, so the spare has it from its first instruction; the handler only writes to
  # a pipe that the parked spare reads, so a promotion that comes before the spare parks is
  # simply read at once. In the loader itself the handler does nothing.
  class Park
    SIGNAL = 'CONT'

    def self.arm
      loader = Process.pid
      r, w = IO.pipe
      previous = trap(SIGNAL) { w.write_nonblock('.', exception: false) unless Process.pid == loader }
      new(r, w, previous)
    end

    def initialize(reader, writer, previous)
      @reader = reader
      @writer = writer
      @previous = previous || 'SYSTEM_DEFAULT'
    end

    # In the loader, after the fork: its own handler back, its copy of the pipe closed.
    def disarm
      restore
    end

    # In the spare: blocks until promoted, then restores the app's own handler for the signal.
    def await(title)
      Process.setproctitle(title)
      @reader.read(1)
      restore
    end

    private

    def restore
      trap(SIGNAL, @previous)
      [@reader, @writer].each { |io| io.close unless io.closed? }
    end
  end
end
