# frozen_string_literal: true

require_relative 'test_helper'
require 'minitest/mock'
require 'tmpdir'

class WorkerDoneTest < Minitest::Test
  VARS = KleinhirnLoader::Env::ALL

  def with_env(values)
    saved = VARS.to_h { |k| [k, ENV[k]] }
    VARS.each { |k| ENV.delete(k) }
    values.each { |k, v| ENV[k] = v }
    yield
  ensure
    saved.each { |k, v| v.nil? ? ENV.delete(k) : ENV[k] = v }
  end

  def test_done_outside_kleinhirn_is_a_no_op
    title = Procs.title(Process.pid)
    with_env({}) { assert_nil KleinhirnLoader::Worker.new.done }
    with_env('KLEINHIRN_STATUS_FD' => '1') { assert_nil KleinhirnLoader::Worker.new.done }
    with_env('KLEINHIRN_WORKER_ID' => 'x') { assert_nil KleinhirnLoader::Worker.new.done }
    with_env('KLEINHIRN_WORKER_ID' => 'x', 'KLEINHIRN_STATUS_FD' => '') { assert_nil KleinhirnLoader::Worker.new.done }
    assert_equal title, Procs.title(Process.pid)
  end

  # Two threads calling done: the second must not use the fd number after the first closed it.
  # The first thread is held right after its close (setproctitle comes next), a decoy file
  # takes the freed number, and a second thread calls done meanwhile.
  def test_done_from_two_threads_acks_once_and_never_touches_a_reused_fd
    ours, theirs = UNIXSocket.pair
    decoy_path = File.join(Dir.mktmpdir, 'decoy')
    decoy = nil
    second = nil
    hold = lambda do |_title|
      decoy = File.open(decoy_path, 'w')
      second = Thread.new { KleinhirnLoader::Worker.new.done }
      second.join(1) # long enough for an unguarded done to write into the decoy
    end
    with_env('KLEINHIRN_STATUS_FD' => theirs.fileno.to_s, 'KLEINHIRN_WORKER_ID' => 'w-1') do
      theirs.autoclose = false # done closes the fd itself
      Process.stub(:setproctitle, hold) do
        assert_equal true, KleinhirnLoader::Worker.new.done
      end
      assert_nil second.value, 'the second call found the ack already sent'
    end
    decoy.close
    assert_equal '', File.read(decoy_path), 'nothing was written into the file that reused the fd'
    assert_equal({ 'action' => 'ack', 'id' => 'w-1' }, LineReader.new(ours).next)
  ensure
    ours&.close
  end

  # A `type = "program"` worker: its own socket, passed as an inherited fd.
  def test_program_mode_worker_acks_closes_its_fd_and_renames_itself
    ours, theirs = UNIXSocket.pair
    stdin_r, stdin_w = IO.pipe
    stdout_r, stdout_w = IO.pipe
    script = <<~RUBY
      require 'kleinhirn_loader'
      result = KleinhirnLoader::Worker.new.done
      again = KleinhirnLoader::Worker.new.done
      title = File.binread('/proc/self/cmdline').split("\\0").join(' ')
      puts [result, again, title, ENV.keys.grep(/KLEINHIRN/)].inspect
      $stdout.flush
      $stdin.read # run until the test closes our stdin
    RUBY
    env = { 'KLEINHIRN_STATUS_FD' => '9', 'KLEINHIRN_WORKER_ID' => 'prog-1',
            'KLEINHIRN_NAME' => 'ruby worker.rb', 'KLEINHIRN_VERSION' => 'v7' }
    pid = Process.spawn(env, RbConfig.ruby, '-I', File.join(GEM_ROOT, 'lib'), '-e', script,
                        9 => theirs, in: stdin_r, out: stdout_w)
    [theirs, stdin_r, stdout_w].each(&:close)

    reader = LineReader.new(ours)
    assert_equal({ 'action' => 'ack', 'id' => 'prog-1' }, reader.next)
    assert_equal %({"action":"ack","id":"prog-1"}\n), reader.lines.first
    assert_nil reader.next, 'EOF: the worker closed its end, though it still runs'
    assert_equal 1, Process.kill(0, pid)

    assert IO.select([stdout_r], nil, nil, DEADLINE)
    assert_equal %([true, nil, "ruby worker.rb/v7 ::KleinhirnLoader::Worker prog-1", []]\n), stdout_r.gets
    stdin_w.close
    assert_equal 0, Procs.wait(pid).exitstatus
  ensure
    Procs.kill(pid) if pid
    Procs.reap(pid) if pid
    [ours, stdin_w, stdout_r].each { |io| io&.close unless io&.closed? }
  end
end
