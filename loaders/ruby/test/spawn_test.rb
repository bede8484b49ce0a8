# frozen_string_literal: true

require_relative 'test_helper'

# Spawning workers: one fork, the worker's environment, exits (reported as `exited`) and acks.
class SpawnTest < Minitest::Test
  def setup
    Subreaper.enable!
    @loaders = []
  end

  def teardown
    @loaders.each(&:stop)
  end

  def start(expression: 'Fixture.serve', env: {}, files: [fixture('app.rb')])
    loader = LoaderProcess.new(['-n', 'svc', '--code-version', 'v1', '-e', expression,
                                *files.flat_map { |f| ['-r', f] }], env: env, report: true)
    @loaders << loader
    loader.expect_ready
    assert_equal 'loading', loader.next_report['phase']
    loader
  end

  # The supervisor's capture: our pipes named by /proc path become the worker's fds 1 and 2,
  # and the loader's own stay as they were.
  def test_spawn_puts_the_named_files_on_the_workers_stdout_and_stderr
    loader = start(expression: 'STDOUT.syswrite("to stdout\n"); STDERR.syswrite("to stderr\n"); Fixture.serve')
    out_r, out_w = IO.pipe
    err_r, err_w = IO.pipe
    loader.send_line(JSON.generate('op' => 'spawn', 'id' => 'w-1', 'stdout' => "/proc/#{Process.pid}/fd/#{out_w.fileno}",
                                   'stderr' => "/proc/#{Process.pid}/fd/#{err_w.fileno}"))
    loader.expect(action: 'launched', id: 'w-1')
    loader.barrier
    out_w.close
    err_w.close
    assert_equal "to stdout\n", read_line(out_r)
    assert_equal "to stderr\n", read_line(err_r)
    loader.expect(action: 'ack', id: 'w-1')
  ensure
    [out_r, out_w, err_r, err_w].each { |io| io&.close unless io&.closed? }
  end

  def test_a_spawn_with_a_bad_stdout_is_refused
    loader = start
    loader.send_line(JSON.generate('op' => 'spawn', 'id' => 'w-1', 'stdout' => 5))
    assert_match(/"stdout" and "stderr" must be non-empty strings/, loader.expect(action: 'error')['error'])
  end

  def read_line(io)
    raise Minitest::Assertion, 'no output within the deadline' unless IO.select([io], nil, nil, DEADLINE)

    io.gets
  end

  def test_spawn_launches_a_child_of_the_loader_in_its_own_group_that_acks
    loader = start
    loader.spawn('w-1')
    launched = loader.expect(action: 'launched', id: 'w-1')
    pid = launched['pid']
    assert_kind_of Integer, pid

    assert_equal loader.pid, Procs.status_field(pid, 'PPid'), 'forked once: the loader is the parent'
    assert_equal pid, Process.getpgid(pid), 'its own process group'
    refute_equal Process.getpgid(loader.pid), Process.getpgid(pid)

    startup = loader.next_report
    assert_equal 'startup', startup['phase']
    assert_equal pid, startup['pid']
    assert_equal '/', startup['cwd']
    assert_equal 'svc/v1 ::KleinhirnLoader::Worker w-1 - startup', startup['title']
    assert_equal({ 'KLEINHIRN_WORKER_ID' => 'w-1', 'KLEINHIRN_NAME' => 'svc', 'KLEINHIRN_VERSION' => 'v1',
                   'KLEINHIRN_STATUS_FD' => '5' }, startup['env'])

    acked = loader.next_report
    assert_equal 'acked', acked['phase']
    assert_equal true, acked['done']
    assert_empty acked['env'], 'KLEINHIRN_* unset after the ack'
    assert_equal 'svc/v1 ::KleinhirnLoader::Worker w-1', acked['title']

    assert_equal({ 'action' => 'log', 'level' => 'info', 'msg' => 'worker starting', 'worker_id' => 'w-1', 'pid' => pid },
                 loader.expect(action: 'log', worker_id: 'w-1'))
    loader.expect(action: 'ack', id: 'w-1')

    # The worker closed its copy of the socket; the loader's copy still serves.
    assert_equal 'svc/v1 ::KleinhirnLoader::Loader', Procs.title(loader.pid)
    loader.spawn_worker('w-2')
    loader.expect(action: 'ack', id: 'w-2')
  end

  def test_the_worker_stops_on_term_with_status_0
    loader = start
    pid = loader.spawn_worker('w')
    loader.expect(action: 'ack', id: 'w')
    Process.kill(:TERM, pid)
    assert_equal({ 'action' => 'exited', 'id' => 'w', 'pid' => pid, 'exit_code' => 0 }, loader.exit_of(pid))
    wait_until_gone(pid)
  end

  def test_a_killed_worker_is_reported_with_its_signal_and_reaped
    loader = start
    pid = loader.spawn_worker('k')
    loader.expect(action: 'ack', id: 'k')
    Process.kill(:KILL, pid)
    assert_equal({ 'action' => 'exited', 'id' => 'k', 'pid' => pid, 'signal' => 9, 'core' => false }, loader.exit_of(pid))
    wait_until_gone(pid) # no zombie left behind
  end

  def test_a_dead_loader_leaves_its_workers_running_and_they_become_ours
    loader = start
    pid = loader.spawn_worker('orphan')
    loader.expect(action: 'ack', id: 'orphan')
    Process.kill(:KILL, loader.pid)
    loader.wait_exit
    assert_equal Process.pid, Procs.status_field(pid, 'PPid'), 're-parented to the subreaper'
    Process.kill(:TERM, pid)
    assert_equal 0, Procs.wait(pid).exitstatus, 'its status is ours to reap now'
  end

  def test_pipelined_spawns_all_launch_and_ack
    loader = start
    ids = (1..5).map { |i| "p-#{i}" }
    ids.each { |id| loader.spawn(id) }
    ids.each { |id| loader.expect(action: 'ack', id: id) }
    launched = loader.messages.select { |m| m['action'] == 'launched' }
    assert_equal ids.sort, launched.map { |m| m['id'] }.sort
    assert_equal 5, launched.map { |m| m['pid'] }.uniq.size
    # A worker's own lines (log, ack) never overtake the `launched` that carries its pid.
    ids.each do |id|
      mine = loader.messages.select { |m| (m['id'] || m['worker_id']) == id }.map { |m| m['action'] }
      assert_equal %w[launched log ack], mine, id
    end
  end

  def test_listen_pid_is_the_workers_own_pid_when_listen_fds_is_set
    loader = start(env: { 'LISTEN_FDS' => '1', 'LISTEN_PID' => '1' })
    pid = loader.spawn_worker('sock')
    startup = loader.next_report
    assert_equal pid.to_s, startup['env']['LISTEN_PID']
    assert_equal '1', startup['env']['LISTEN_FDS']
  end

  def test_no_listen_pid_without_listen_fds
    loader = start
    loader.spawn_worker('plain')
    refute loader.next_report['env'].key?('LISTEN_PID')
  end

  def test_workers_get_different_random_numbers
    loader = start
    loader.spawn_worker('a')
    loader.spawn_worker('b')
    numbers = 4.times.map { loader.next_report }.select { |r| r['phase'] == 'startup' }.map { |r| r['rand'] }
    assert_equal 2, numbers.uniq.size, numbers.inspect
  end

  def test_the_start_expression_runs_in_an_empty_binding
    loader = start(expression: "Fixture.report('binding', 'locals' => local_variables.map(&:to_s), 'self' => self.class.name)")
    pid = loader.spawn_worker('b')
    report = loader.next_report
    assert_equal [], report['locals']
    assert_equal 'KleinhirnLoader::Spawner::Empty', report['self']
    assert_equal 0, loader.exit_of(pid)['exit_code'], 'exits 0 when the expression returns'
  end

  def test_at_exit_hooks_run_in_the_worker_and_loader
    loader = start(expression: 'nil')
    pid = loader.spawn_worker('short')
    assert_equal 0, loader.exit_of(pid)['exit_code']
    loader.close_socket
    assert_equal 0, loader.wait_exit.exitstatus
    at_exit_pids = loader.reports_until_eof.select { |r| r['phase'] == 'at_exit' }.map { |r| r['pid'] }
    assert_equal [pid, loader.pid].sort, at_exit_pids.sort
  end

  def test_a_raising_worker_exits_1_and_never_returns_into_the_loader_loop
    loader = start(expression: 'raise "worker boom"')
    pid = loader.spawn_worker('raiser')
    assert_equal 1, loader.exit_of(pid)['exit_code']
    loader.barrier
    assert_match(/worker boom \(RuntimeError\)/, loader.stderr)
    assert_equal %w[error exited launched loading log ready], loader.messages.map { |m| m['action'] }.sort
    assert_equal 1, loader.exit_of(loader.spawn_worker('raiser-2'))['exit_code']
    loader.barrier # the loader's command loop is still there
    assert_equal %w[error error exited exited launched launched loading log log ready],
                 loader.messages.map { |m| m['action'] }.sort
  end

  def test_a_worker_exit_status_is_its_own
    loader = start(expression: 'exit 3')
    pid = loader.spawn_worker('three')
    assert_equal 3, loader.exit_of(pid)['exit_code']
  end

  def test_a_worker_whose_setup_fails_exits_1_after_its_launch
    loader = start(files: [fixture('app.rb'), fixture('broken_reseed.rb')])
    pid = loader.spawn_worker('doomed')
    assert_equal 1, loader.exit_of(pid)['exit_code']
    assert_match(/starting worker doomed failed: RuntimeError: no entropy today/, loader.stderr)
    loader.barrier
    assert_equal %w[loading loading ready launched exited error], loader.messages.map { |m| m['action'] }
  end

  def wait_until_gone(pid)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + DEADLINE
    while File.exist?("/proc/#{pid}")
      flunk "#{pid} still exists (a zombie?)" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      sleep 0.01 # polling interval of a deadline wait
    end
  end
end
