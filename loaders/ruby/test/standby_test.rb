# frozen_string_literal: true

require_relative 'test_helper'

# --standby: an idle loader keeps one child forked ahead, parked before it knows its id; the next
# plain spawn request takes it, so a replacement does not wait for the fork of the heap.
class StandbyTest < Minitest::Test
  TITLE = 'svc/v1 ::KleinhirnLoader::Standby'

  def setup
    Subreaper.enable!
    @loader = LoaderProcess.new(['-n', 'svc', '--code-version', 'v1', '-e', 'Fixture.serve', '--standby',
                                 '-r', fixture('app.rb')], report: true)
    @loader.expect_ready
    assert_equal 'loading', @loader.next_report['phase']
  end

  # A standby is forked only once one of the loader's workers has exited: before that, a set
  # never pays for one. Then the first replacement forks as usual.
  def replace!
    lost = @loader.spawn_worker('w-0')
    @loader.expect(action: 'ack', id: 'w-0')
    Process.kill(:KILL, lost)
    @loader.exit_of(lost)
    replacement = @loader.spawn_worker('w-r')
    # The fixture's reports so far (w-0's may stop short: it was killed), up to w-r's last.
    nil until (r = @loader.next_report)['pid'] == replacement && r['phase'] == 'acked'
  end

  def teardown
    @loader.stop
  end

  # The loader's child titled as its standby, once there is one (and not `other`).
  def standby(other: nil)
    pid = nil
    Procs.eventually do
      pid = loader_children.find { |c| c != other && Procs.title(c) == TITLE }
    end
    pid
  end

  def loader_children
    Dir.glob('/proc/[0-9]*/stat').filter_map do |stat|
      fields = File.read(stat).sub(/\A.*\) /m, '').split
      Integer(File.basename(File.dirname(stat))) if Integer(fields[1]) == @loader.pid
    rescue Errno::ENOENT, Errno::ESRCH
      nil
    end
  end

  def test_the_next_spawn_takes_the_standby_and_runs_as_any_worker
    replace!
    parked = standby
    assert_equal Process.getpgid(@loader.pid), Process.getpgid(parked), 'parked in the loader\'s group'
    @loader.barrier
    refute(@loader.messages.any? { |m| m['pid'] == parked }, 'nothing said before it is taken')

    assert_equal parked, @loader.spawn_worker('w-1')
    @loader.expect(action: 'ack', id: 'w-1')
    startup = @loader.next_report
    assert_equal ['startup', parked], [startup['phase'], startup['pid']]
    assert_equal 'w-1', startup['env']['KLEINHIRN_WORKER_ID']
    assert_equal parked, Process.getpgid(parked), 'its own group once it is a worker'

    # Its exit is reported like any worker's, and the idle loader forks the next standby.
    refute_equal parked, standby(other: parked)
    Process.kill(:TERM, parked)
    assert_equal 0, @loader.exit_of(parked)['exit_code']
  end

  def test_spares_and_captured_output_never_take_the_standby
    replace!
    parked = standby
    spare = @loader.spare('s-1') && @loader.expect(action: 'launched', id: 's-1')['pid']
    refute_equal parked, spare
    out_r, out_w = IO.pipe
    @loader.send_line(JSON.generate('op' => 'spawn', 'id' => 'w-out', 'stdout' => "/proc/#{Process.pid}/fd/#{out_w.fileno}"))
    refute_equal parked, @loader.expect(action: 'launched', id: 'w-out')['pid']
    assert_includes loader_children, parked, 'still parked'
  ensure
    [out_r, out_w].each { |io| io&.close }
  end

  def test_a_dead_standby_is_not_reported_and_the_next_spawn_forks
    replace!
    parked = standby
    Process.kill(:KILL, parked)
    Procs.eventually { !loader_children.include?(parked) } # reaped by the loader
    pid = @loader.spawn_worker('w-2')
    refute_equal parked, pid
    @loader.expect(action: 'ack', id: 'w-2')
    @loader.barrier
    refute(@loader.messages.any? { |m| m['action'] == 'exited' && m['pid'] == parked }, 'a standby is no worker')
  end

  def test_no_standby_before_a_worker_is_lost
    3.times { |i| @loader.spawn_worker("x-#{i}") }
    sleep 0.2 # idle ten times over (20 ms), but no worker lost: still no standby
    @loader.barrier
    refute(loader_children.any? { |c| Procs.title(c) == TITLE }, 'a set that lost no worker has no standby')
  end

  def test_a_parked_standby_told_to_stop_leaves_by_the_signal_without_a_word
    replace!
    parked = standby
    Process.kill(:TERM, parked)
    Procs.eventually { !loader_children.include?(parked) } # reaped by the loader, unreported
    @loader.barrier
    refute(@loader.messages.any? { |m| m['pid'] == parked }, 'a standby is no worker')
    refute_match(/standby failed/, @loader.stderr)
  end

  def test_the_standby_leaves_when_the_loader_does
    replace!
    parked = standby
    @loader.close_socket
    assert_equal 0, @loader.wait_exit.exitstatus
    # Re-parented to us (the subreaper) and gone at the pipe's EOF.
    assert_equal 0, Procs.wait(parked).exitstatus
  end
end
