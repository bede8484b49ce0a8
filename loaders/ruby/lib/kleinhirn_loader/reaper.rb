# frozen_string_literal: true

require 'kleinhirn_loader/messages'

module KleinhirnLoader
  # Reaps the workers this loader forked (they are its children until it exits) and reports each
  # exit to the supervisor as `exited`, with the status.
  #
  # Contract, so that every worker's death is seen with its status:
  # * A worker's exit is reported only after its `launched` (both go out under one lock), so the
  #   supervisor always knows the pid first.
  # * The exit is read with waitid(WNOWAIT) and written to the wire BEFORE the zombie is reaped.
  #   If the loader dies in between, the zombie is re-parented to the supervisor (the subreaper),
  #   which reaps it itself: the status is reported twice, never lost.
  # * When the loader exits, its living workers are re-parented to the supervisor too.
  #
  # A SIGCHLD handler only wakes a thread (self-pipe); the thread does the waiting and writing,
  # so no I/O runs in trap context and the command loop never blocks on it.
  class Reaper
    P_ALL = 0
    WNOHANG = 1
    WEXITED = 4
    WNOWAIT = 0x01000000
    CLD_EXITED = 1
    CLD_DUMPED = 3

    def initialize(channel)
      @channel = channel
      @lock = Mutex.new
      @ids = {} # pid => worker id, launched and not yet reported
      @waitid = self.class.waitid
      @siginfo = Fiddle::Pointer.malloc(128, Fiddle::RUBY_FREE) if @waitid
    end

    # waitid(2) through Fiddle, or nil where it cannot be had (then exits are reaped first and
    # reported after, and a loader killed in between loses that one status).
    def self.waitid
      require 'fiddle'
      int = Fiddle::TYPE_INT
      Fiddle::Function.new(Fiddle.dlopen(nil)['waitid'], [int, int, Fiddle::TYPE_VOIDP, int], int)
    rescue LoadError, Fiddle::DLError
      nil
    end

    def start
      @wake_r, @wake_w = IO.pipe
      @previous_chld = trap('CHLD') { @wake_w.write_nonblock('.', exception: false) }
      @thread = Thread.new { run }
      @thread.name = 'kleinhirn-reaper'
      self
    end

    # Whether a worker launched by this loader has exited (the loader's standby waits for it).
    def lost_a_worker?
      @lost_a_worker == true
    end

    # Whether `thread` is ours: the loader warns about the app's threads, not about this one.
    def thread?(thread)
      thread == @thread
    end

    # Runs the block (which forks a worker and sends its `launched`) so that no exit can be
    # reported in between; the block returns the pid.
    def launching(id)
      @lock.synchronize do
        pid = yield
        @ids[pid] = id if pid
        pid
      end
    end

    # In a freshly forked worker: the loader's SIGCHLD handling is not the worker's.
    def leave_in_child
      trap('CHLD', @previous_chld || 'SYSTEM_DEFAULT')
      [@wake_r, @wake_w].each { |io| io.close unless io.nil? || io.closed? }
    end

    private

    def run
      while @wake_r.read(1)
        drain
        report_exits
      end
    rescue IOError
      nil # the loader is exiting
    end

    def drain
      @wake_r.read_nonblock(4096, exception: false)
    end

    def report_exits
      loop do
        reported = @lock.synchronize { report_one }
        break unless reported
      end
    end

    # Reports and reaps one exited child; false when there is none.
    def report_one
      pid, status = peek
      return false if pid.nil?

      id = @ids.delete(pid)
      if id
        @lost_a_worker = true
        write(Messages.exited(id, pid, status))
      end # else not a worker: a child of the app's, or an unused standby, just reaped
      reap(pid)
      true
    end

    def reap(pid)
      Process.wait(pid, Process::WNOHANG) if @waitid # without waitid, peek has reaped it already
    rescue Errno::ECHILD
      nil
    end

    # [pid, status hash] of an exited child, left a zombie; nil if none.
    def peek
      return reap_first unless @waitid

      @siginfo[0, 128] = "\0" * 128
      return nil unless @waitid.call(P_ALL, 0, @siginfo, WEXITED | WNOHANG | WNOWAIT).zero?

      pid = @siginfo[16, 4].unpack1('l')
      return nil if pid.zero?

      code = @siginfo[8, 4].unpack1('l')
      value = @siginfo[24, 4].unpack1('l')
      [pid, code == CLD_EXITED ? { exit_code: value } : { signal: value, core: code == CLD_DUMPED }]
    end

    def reap_first
      pid, status = Process.wait2(-1, Process::WNOHANG)
      return nil if pid.nil?

      [pid, status.signaled? ? { signal: status.termsig, core: status.coredump? } : { exit_code: status.exitstatus }]
    rescue Errno::ECHILD
      nil
    end

    def write(message)
      @channel.write(message)
    rescue Errno::EPIPE, Errno::ECONNRESET
      nil # the supervisor is gone; the loader's command loop sees that too and exits
    end
  end
end
