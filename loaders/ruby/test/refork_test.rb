# frozen_string_literal: true

require_relative 'test_helper'

# Hooks and reforking: a worker told (SIGURG) to refork makes a new loader on its own connection.
class ReforkTest < Minitest::Test
  def setup
    Subreaper.enable!
    @loaders = []
    @dir = Dir.mktmpdir('kleinhirn-refork-test')
    @path = File.join(@dir, 'refork.sock')
    @server = UNIXServer.new(@path)
    @conns = []
  end

  def teardown
    @conns.each { |c| c.close unless c.closed? }
    @server.close
    @loaders.each(&:stop)
    FileUtils.remove_entry(@dir)
  end

  def start(refork: true, expression: 'Fixture.serve_warm', fds: {})
    args = ['-n', 'svc', '--code-version', 'v1', '-e', expression,
            '-r', fixture('app.rb'), '-r', fixture('refork_app.rb')]
    args += ['--refork-socket', @path] if refork
    loader = LoaderProcess.new(args, report: true, env: { 'LISTEN_FDS' => '1' }, fds: fds)
    @loaders << loader
    loader.expect_ready
    assert_equal 'loading', loader.next_report['phase']
    loader
  end

  def accept
    raise Minitest::Assertion, 'no connection on the refork socket' unless IO.select([@server], nil, nil, DEADLINE)

    conn = @server.accept
    @conns << conn
    conn
  end

  # Threads Ruby itself runs besides the Ruby threads (the timer thread), measured in the loader.
  def reports_of(loader, pid, phase)
    report = loader.next_report
    assert_equal [pid, phase], [report['pid'], report['phase']], report.inspect
    report
  end

  def test_after_fork_runs_in_every_worker_before_the_start_expression
    loader = start(refork: false)
    2.times do |i|
      pid = loader.spawn_worker("w-#{i}")
      reports_of(loader, pid, 'after_fork')
      reports_of(loader, pid, 'startup')
      reports_of(loader, pid, 'acked')
    end
  end

  def test_a_worker_told_to_refork_makes_a_new_loader_whose_workers_share_its_state
    loader = start
    warm = loader.spawn_worker('w-1')
    reports_of(loader, warm, 'after_fork')
    assert_nil reports_of(loader, warm, 'startup')['warm']
    held_fd = reports_of(loader, warm, 'acked')['held_fd']
    loader.expect(action: 'ack', id: 'w-1')

    Process.kill(:URG, warm)
    conn = accept
    lines = LineReader.new(conn)
    hello = lines.next
    assert_equal %w[reforked w-1], [hello['action'], hello['id']]
    new_loader = hello['pid']
    refute_equal warm, new_loader
    assert_equal({ 'action' => 'ready' }, lines.next)
    reports_of(loader, new_loader, 'after_refork')

    assert_equal new_loader, Process.getpgid(new_loader), 'its own process group, out of the worker\'s'
    Procs.eventually { Procs.status_field(new_loader, 'PPid') == Process.pid }
    assert_equal 'svc/v1 ::KleinhirnLoader::Loader', Procs.title(new_loader)
    assert_equal '/dev/null', File.readlink("/proc/#{new_loader}/fd/#{held_fd}"), 'connections are not shared'
    assert_match(/\Asocket:/, File.readlink("/proc/#{warm}/fd/#{held_fd}"), 'the worker keeps its own')
    # None of the app's threads: as many as the first loader (its reaper and Ruby's own). Waited
    # for, not sampled once: the reaper starts just after `ready`, and Ruby's timer thread comes
    # and goes (a single sample failed under load).
    Procs.eventually { Procs.status_field(new_loader, 'Threads') == Procs.status_field(loader.pid, 'Threads') }

    conn.write(%({"op":"spawn","id":"w-2"}\n))
    launched = lines.next
    assert_equal %w[launched w-2], [launched['action'], launched['id']]
    next_gen = launched['pid']
    reports_of(loader, next_gen, 'after_fork')
    startup = reports_of(loader, next_gen, 'startup')
    assert_equal "filled by #{warm}", startup['warm']
    assert_equal({ 'LISTEN_FDS' => '1', 'LISTEN_PID' => next_gen.to_s },
                 startup['env'].select { |k, _| k.start_with?('LISTEN_') }, 'the loader\'s environment, not the worker\'s')
    assert_equal({ 'action' => 'log', 'level' => 'info', 'msg' => 'worker starting', 'worker_id' => 'w-2',
                   'pid' => next_gen }, lines.next)
    assert_equal({ 'action' => 'ack', 'id' => 'w-2' }, lines.next)
    Process.kill(0, warm) # the warm worker serves on
    # The new loader compacted on a thread at nice 10; its workers do not inherit that.
    assert_equal [0, 0], [new_loader, next_gen].map { |pid| Process.getpriority(Process::PRIO_PROCESS, pid) }

    # The new loader leaves on EOF like the first one, without the app's at_exit hooks.
    conn.close
    assert_equal 0, Procs.wait(new_loader).exitstatus
    # next_gen was the new loader's child: re-parented to us (the subreaper) when it left.
    Process.kill(:TERM, next_gen)
    assert_equal 0, Procs.wait(next_gen).exitstatus
    # warm is the first loader's child (forked once): that loader reaps it and reports `exited`.
    Process.kill(:TERM, warm)
    loader.expect(action: 'exited', id: 'w-1', pid: warm, exit_code: 0)
    loader.close_socket
    assert_equal 0, loader.wait_exit.exitstatus
    phases = loader.reports_until_eof.map { |r| [r['pid'], r['phase']] }
    assert_includes phases, [warm, 'at_exit']
    refute_includes phases, [new_loader, 'at_exit']
  end

  def test_a_new_loader_told_to_stop_leaves_by_the_signal_not_as_a_failure
    loader = start
    warm = loader.spawn_worker('w-1')
    reports_of(loader, warm, 'after_fork')
    reports_of(loader, warm, 'startup')
    reports_of(loader, warm, 'acked')
    loader.expect(action: 'ack', id: 'w-1')
    Process.kill(:URG, warm)
    lines = LineReader.new(accept)
    new_loader = lines.next['pid']
    assert_equal({ 'action' => 'ready' }, lines.next)
    reports_of(loader, new_loader, 'after_refork')

    Process.kill(:TERM, new_loader)
    status = Procs.wait(new_loader)
    assert_equal Signal.list['TERM'], status.termsig, "left with #{status.inspect}, not by TERM"
    Process.kill(:TERM, warm)
    loader.expect(action: 'exited', id: 'w-1', pid: warm, exit_code: 0)
  end

  # A worker's server object on an inherited listener is garbage in the new loader; collected
  # there or in a next-generation worker, it must not close the listener (Ruby closes an IO's
  # descriptor when it collects the object). Under puma every next-generation worker died of it.
  def test_the_warm_workers_server_object_does_not_close_the_listener_for_the_next_generation
    listener = TCPServer.new('127.0.0.1', 0)
    loader = start(expression: 'Fixture.serve_on_listener', fds: { 3 => listener })
    listener.close
    warm = loader.spawn_worker('w-1')
    reports_of(loader, warm, 'after_fork')
    assert reports_of(loader, warm, 'startup')['listening'], 'fd 3 is the listener'
    reports_of(loader, warm, 'acked')
    loader.expect(action: 'ack', id: 'w-1')

    Process.kill(:URG, warm)
    conn = accept
    lines = LineReader.new(conn)
    new_loader = lines.next['pid']
    assert_equal({ 'action' => 'ready' }, lines.next) # after its compaction: W's server object was collected
    reports_of(loader, new_loader, 'after_refork')
    assert_match(/\Asocket:/, File.readlink("/proc/#{new_loader}/fd/3"), 'the new loader keeps the listener')

    conn.write(%({"op":"spawn","id":"w-2"}\n))
    next_gen = lines.next['pid']
    reports_of(loader, next_gen, 'after_fork')
    assert reports_of(loader, next_gen, 'startup')['listening'], 'the next generation gets the listener'
    reports_of(loader, next_gen, 'acked')
    conn.close
    Procs.wait(new_loader)
    [next_gen, warm].each { |pid| Process.kill(:TERM, pid) }
    Procs.wait(next_gen)
    loader.expect(action: 'exited', id: 'w-1', pid: warm, exit_code: 0)
  end
end
