# frozen_string_literal: true

require 'minitest/autorun'
require 'fiddle'
require 'fileutils'
require 'json'
require 'rbconfig'
require 'socket'
require 'tmpdir'

GEM_ROOT = File.expand_path('..', __dir__)
$LOAD_PATH.unshift(File.join(GEM_ROOT, 'lib'))
require 'kleinhirn_loader/cli'

# Every wait in these tests has a deadline; nothing sleeps for a fixed time.
DEADLINE = 10

module Subreaper
  PR_SET_CHILD_SUBREAPER = 36

  # Makes this test process what the supervisor is in production: the nearest child subreaper,
  # so double-forked workers are re-parented to us (and we must reap them).
  def self.enable!
    return if @enabled

    prctl = Fiddle::Function.new(Fiddle.dlopen(nil)['prctl'], [Fiddle::TYPE_INT] * 5, Fiddle::TYPE_INT)
    raise 'prctl(PR_SET_CHILD_SUBREAPER) failed' unless prctl.call(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0).zero?

    @enabled = true
  end
end

module Procs
  module_function

  # The exit status of our child `pid`, or a failed assertion after `timeout` seconds.
  def wait(pid, timeout = DEADLINE)
    waiter = Thread.new do
      Thread.current.report_on_exception = false
      Process.wait2(pid)[1]
    end
    return waiter.value if waiter.join(timeout)

    waiter.kill
    raise Minitest::Assertion, "process #{pid} did not exit within #{timeout}s"
  end

  # Like wait, for a process that may already have been reaped (or never was our child).
  def reap(pid)
    wait(pid)
  rescue Errno::ECHILD
    nil
  end

  # Waits until the block is true; fails the test after `timeout` seconds.
  def eventually(timeout = DEADLINE)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    until yield
      raise Minitest::Assertion, "condition not met within #{timeout}s" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep(0.005) # polled: a /proc fact has no event to wait on
    end
  end

  def group_leader?(pid)
    Process.getpgid(pid) == pid
  rescue Errno::ESRCH
    false
  end

  def status_field(pid, field)
    File.read("/proc/#{pid}/status")[/^#{field}:\s*(\d+)/, 1].to_i
  end

  def title(pid)
    File.binread("/proc/#{pid}/cmdline").split("\0").reject(&:empty?).join(' ')
  end

  def kill(pid, group: false)
    Process.kill(:KILL, group ? -pid : pid)
  rescue Errno::ESRCH, Errno::EPERM
    nil
  end

  # Kills and reaps every child we still have. As the subreaper we inherit whatever a killed
  # loader leaves behind (intermediate children, workers whose `launched` we never read), so
  # this sweeps until no child is left.
  def kill_strays(timeout = DEADLINE)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    loop do
      kids = children
      return if kids.empty?
      raise Minitest::Assertion, "children left: #{kids}" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      kids.each { |pid| kill(pid) }
      kids.each { |pid| reap(pid) }
    end
  end

  def children
    Dir.glob('/proc/[0-9]*/stat').filter_map do |stat|
      fields = File.read(stat).sub(/\A.*\) /m, '').split # after "pid (comm) "
      Integer(File.basename(File.dirname(stat))) if Integer(fields[1]) == Process.pid
    rescue Errno::ENOENT, Errno::ESRCH
      nil
    end
  end
end

# Reads newline-terminated JSON from an IO with deadlines; keeps every line it saw.
class LineReader
  attr_reader :lines

  def initialize(io)
    @io = io
    @buf = +''
    @lines = []
  end

  # The next parsed line, nil at EOF; fails the test after `timeout` seconds.
  def next(timeout = DEADLINE)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    loop do
      if (i = @buf.index("\n"))
        line = @buf.slice!(0..i)
        @lines << line
        return JSON.parse(line)
      end
      left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
      raise Minitest::Assertion, "no line within #{timeout}s (have: #{@lines.inspect})" if left <= 0

      next unless IO.select([@io], nil, nil, left)

      chunk = @io.read_nonblock(65_536, exception: false)
      return nil if chunk.nil?

      @buf << chunk unless chunk == :wait_readable
    end
  end

  # Every remaining line up to EOF.
  def rest(timeout = DEADLINE)
    out = []
    while (m = self.next(timeout))
      out << m
    end
    out
  end

  def leftover
    @buf
  end
end

# A real loader subprocess driven over a real socketpair, as the supervisor would drive it.
class LoaderProcess
  attr_reader :pid, :socket, :messages, :dir

  # `report: true` passes the write end of a pipe as fd 7 (T_REPORT_FD) for fixtures to report
  # facts from inside the loader and its workers. `fds` passes more (number => IO), as a
  # supervisor passes inherited listeners.
  def initialize(args, status_fd: 5, env: {}, chdir: nil, report: false, fds: {})
    @dir = Dir.mktmpdir('kleinhirn-loader-test')
    @socket, theirs = UNIXSocket.pair
    redirects = { status_fd => theirs, out: out_path, err: err_path }.merge(fds)
    if report
      @report_r, report_w = IO.pipe
      redirects[7] = report_w
      env = env.merge('T_REPORT_FD' => '7')
    end
    fd_args = status_fd == 3 ? [] : ['--status-fd', status_fd.to_s]
    @pid = Process.spawn(env, RbConfig.ruby, File.join(GEM_ROOT, 'bin', 'kleinhirn_loader'),
                         *fd_args, *args, chdir: chdir || @dir, **redirects)
    theirs.close
    report_w&.close
    @reader = LineReader.new(@socket)
    @reports = report ? LineReader.new(@report_r) : nil
    @messages = []
    @pending = []
    @exit_status = nil
  end

  def out_path
    File.join(@dir, 'stdout')
  end

  def err_path
    File.join(@dir, 'stderr')
  end

  def stdout
    File.read(out_path)
  end

  def stderr
    File.read(err_path)
  end

  def send_line(text)
    @socket.write("#{text}\n")
  end

  def spawn(id)
    send_line(JSON.generate('op' => 'spawn', 'id' => id))
  end

  # The next message from the loader or a worker not yet taken by `expect`; nil at EOF.
  def next_message(timeout = DEADLINE)
    return @pending.shift unless @pending.empty?

    m = @reader.next(timeout)
    @messages << m if m
    m
  end

  # Takes the first message matching all of `fields`, reading more as needed; messages it
  # passes over stay pending for later calls (lines from the loader and from workers race).
  def expect(fields, timeout = DEADLINE)
    matches = ->(m) { fields.all? { |k, v| m[k.to_s] == v } }
    if (i = @pending.index(&matches))
      return @pending.delete_at(i)
    end

    loop do
      m = @reader.next(timeout)
      raise Minitest::Assertion, "EOF while waiting for #{fields}; saw #{@messages}" if m.nil?

      @messages << m
      return m if matches.call(m)

      @pending << m
    end
  end

  # Consumes the load phase: any number of `loading`, then `ready`, and nothing else.
  def expect_ready
    loop do
      m = next_message
      return m if m == { 'action' => 'ready' }
      raise Minitest::Assertion, "expected loading or ready, got #{m.inspect}" unless m && m['action'] == 'loading'
    end
  end

  def spare(id)
    send_line(JSON.generate('op' => 'spare', 'id' => id))
  end

  # Spawns `id` and returns the worker's pid from `launched`.
  def spawn_worker(id)
    spawn(id)
    expect(action: 'launched', id: id)['pid']
  end

  # The `exited` report of the loader's worker `pid`: {"exit_code" => n} or {"signal" => n, ...}.
  def exit_of(pid, timeout = DEADLINE)
    expect({ action: 'exited', pid: pid }, timeout)
  end

  # The loader answers commands one at a time, so once this returns it has handled every
  # earlier command.
  def barrier
    send_line('{"op":"barrier"}')
    expect(action: 'error', error: 'unknown op "barrier"')
  end

  def next_report(timeout = DEADLINE)
    @reports.next(timeout)
  end

  def reports_until_eof
    @reports.rest
  end

  def worker_pids
    @messages.select { |m| m['action'] == 'launched' }.map { |m| m['pid'] }
  end

  def close_socket
    @socket.close unless @socket.closed?
  end

  def wait_exit(timeout = DEADLINE)
    @exit_status ||= Procs.wait(@pid, timeout)
  end

  # Kills and reaps the loader and every worker it reported; removes the temp dir.
  def stop
    worker_pids.each do |w|
      Procs.kill(w, group: true)
      Procs.kill(w)
    end
    unless @exit_status
      Procs.kill(@pid, group: true) if Procs.group_leader?(@pid)
      Procs.kill(@pid)
      wait_exit
    end
    worker_pids.each { |w| Procs.reap(w) }
  ensure
    close_socket
    @report_r&.close
    Procs.kill_strays
    FileUtils.remove_entry(@dir) if @dir && File.directory?(@dir)
  end
end

def fixture(name)
  File.join(GEM_ROOT, 'test', 'fixtures', name)
end
