# frozen_string_literal: true

require_relative 'test_helper'

# The loader's load phase and command loop, driven over a real socketpair.
class LoaderTest < Minitest::Test
  def setup
    Subreaper.enable!
    @loaders = []
  end

  def teardown
    @loaders.each(&:stop)
  end

  def start(*files, expression: 'Fixture.serve', args: ['-n', 'svc', '--code-version', 'v1'], **opts)
    files = [fixture('app.rb')] if files.empty?
    loader = LoaderProcess.new([*args, '-e', expression, *files.flat_map { |f| ['-r', f] }], **opts)
    @loaders << loader
    loader
  end

  def test_loading_per_file_then_ready_with_process_titles
    loader = start(fixture('app.rb'), fixture('second.rb'), report: true)
    assert_equal({ 'action' => 'loading', 'file' => fixture('app.rb') }, loader.next_message)
    assert_equal "svc/v1 ::KleinhirnLoader::Loader loading #{fixture('app.rb')}", loader.next_report['title']
    assert_equal({ 'action' => 'loading', 'file' => fixture('second.rb') }, loader.next_message)
    assert_equal "svc/v1 ::KleinhirnLoader::Loader loading #{fixture('second.rb')}", loader.next_report['title']
    assert_equal({ 'action' => 'ready' }, loader.next_message)
    assert_equal 'svc/v1 ::KleinhirnLoader::Loader', Procs.title(loader.pid)
  end

  def test_ready_loader_leads_its_own_process_group
    loader = start
    loader.expect_ready
    assert_equal loader.pid, Process.getpgid(loader.pid)
    refute_equal Process.getpgrp, Process.getpgid(loader.pid)
  end

  def test_defaults_status_fd_3_and_name_from_cwd
    loader = start(args: [], status_fd: 3)
    loader.expect_ready
    assert_match %r{\A#{Regexp.escape(File.basename(loader.dir))}/\h{8}-\h{4}-\h{4}-\h{4}-\h{12} ::KleinhirnLoader::Loader\z},
                 Procs.title(loader.pid)
  end

  def test_relative_require_is_found_from_the_cwd
    loader = start('app.rb', chdir: File.dirname(fixture('app.rb')))
    assert_equal({ 'action' => 'loading', 'file' => 'app.rb' }, loader.next_message)
    loader.expect_ready
  end

  def test_unknown_op_and_bad_json_get_an_error_and_the_loader_carries_on
    loader = start
    loader.expect_ready
    {
      '{"op":"frobnicate","id":"x"}' => 'unknown op "frobnicate"',
      '{"id":"x"}' => 'unknown op nil',
      'not json' => /\Aunparsable command: /,
      '{"op":"spawn"' => /\Aunparsable command: /,
      '["spawn","x"]' => 'not a JSON object: ["spawn","x"]',
      '42' => 'not a JSON object: 42',
      '{"op":"spawn"}' => 'spawn needs a non-empty string "id"',
      '{"op":"spawn","id":""}' => 'spawn needs a non-empty string "id"',
      '{"op":"spawn","id":7}' => 'spawn needs a non-empty string "id"',
      '' => /\Aunparsable command: /
    }.each do |line, error|
      loader.send_line(line)
      reply = loader.next_message
      assert_equal 'error', reply['action'], line
      assert_equal 'in command processing', reply['message'], line
      if error.is_a?(Regexp)
        assert_match error, reply['error'], line
      else
        assert_equal error, reply['error'], line
      end
    end
    pid = loader.spawn_worker('after-errors')
    assert_operator pid, :>, 0
    loader.expect(action: 'ack', id: 'after-errors')
  end

  def test_an_overlong_line_is_refused_and_the_next_one_served
    loader = start
    loader.expect_ready
    loader.send_line(%({"op":"spawn","id":"#{'x' * 200_000}"}))
    assert_equal 'command longer than 65536 bytes', loader.next_message['error']
    loader.barrier
  end

  def test_threads_started_while_loading_are_warned_about_once_before_the_first_fork
    loader = start(fixture('threads.rb'))
    loader.expect_ready
    loader.spawn_worker('one')
    warning = loader.expect(action: 'log', level: 'warning')
    assert_match(/started threads before the fork/, warning['msg'])
    assert_equal 'metrics-flusher', warning['threads']
    loader.spawn_worker('two')
    loader.barrier
    assert_equal 1, loader.messages.count { |m| m['level'] == 'warning' }, 'said once'
  end

  def test_no_warning_without_threads
    loader = start
    loader.expect_ready
    loader.spawn_worker('one')
    loader.barrier
    assert_equal 0, loader.messages.count { |m| m['level'] == 'warning' }
  end

  def test_duplicate_id_fails_and_the_loader_carries_on
    loader = start
    loader.expect_ready
    loader.spawn_worker('one')
    loader.spawn('one')
    loader.expect(action: 'failed', id: 'one', message: 'duplicate ID')
    loader.spawn_worker('two')
    loader.barrier
    assert_equal 2, loader.worker_pids.size
  end

  def test_eof_ends_the_loader_with_0
    loader = start
    loader.expect_ready
    loader.close_socket
    assert_equal 0, loader.wait_exit.exitstatus
  end

  def test_eof_ends_the_loader_while_unacked_workers_hold_the_socket
    loader = start(expression: 'sleep')
    loader.expect_ready
    worker = loader.spawn_worker('sleeper')
    loader.barrier
    loader.close_socket
    assert_equal 0, loader.wait_exit.exitstatus
    assert_equal 1, Process.kill(0, worker), 'the worker runs on'
  end

  def test_a_close_with_replies_unread_ends_the_loader_with_0_too
    loader = start
    loader.expect_ready
    loader.send_line('not json')
    # Wait until the error reply sits unread in our receive queue, then close: Linux reports
    # that to the loader as ECONNRESET rather than EOF.
    assert IO.select([loader.socket], nil, nil, DEADLINE), 'the reply arrives'
    loader.close_socket
    assert_equal 0, loader.wait_exit.exitstatus
  end

  def test_eof_during_loading_ends_the_loader_with_0_once_loaded
    loader = start
    loader.close_socket
    assert_equal 0, loader.wait_exit.exitstatus
  end

  def test_load_exception_exits_non_zero_without_ready
    loader = start(fixture('app.rb'), fixture('raise_on_load.rb'))
    messages = [loader.next_message, loader.next_message, loader.next_message]
    assert_equal [{ 'action' => 'loading', 'file' => fixture('app.rb') },
                  { 'action' => 'loading', 'file' => fixture('raise_on_load.rb') }, nil], messages
    assert_equal 1, loader.wait_exit.exitstatus
    err = loader.stderr.lines
    assert_equal "kleinhirn_loader: failed to load #{fixture('raise_on_load.rb')}: ArgumentError: bad config\n", err[0]
    assert_match(/raise_on_load\.rb:4:in `configure'/, err[1])
    assert_operator err.size, :<=, 21
  end

  def test_syntax_error_exits_non_zero_without_ready
    loader = start(fixture('syntax_error.rb'))
    assert_equal 'loading', loader.next_message['action']
    assert_nil loader.next_message
    assert_equal 1, loader.wait_exit.exitstatus
    assert_match(/failed to load .*syntax_error\.rb: SyntaxError: /, loader.stderr)
  end

  def test_the_id_window_is_bounded
    assert_equal 10_000, KleinhirnLoader::Loader::REMEMBERED_IDS
    loader = KleinhirnLoader::Loader.new(nil, nil)
    10_005.times { |i| loader.send(:remember, "id-#{i}") }
    ids = loader.instance_variable_get(:@ids)
    assert_equal 10_000, ids.size
    refute ids.key?('id-4')
    assert ids.key?('id-5')
    assert ids.key?('id-10004')
  end
end
