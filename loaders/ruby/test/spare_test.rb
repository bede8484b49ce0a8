# frozen_string_literal: true

require_relative 'test_helper'

# Spares: forked ahead with {"op":"spare"}, parked before the start expression, promoted by SIGCONT.
class SpareTest < Minitest::Test
  def setup
    Subreaper.enable!
    @loader = LoaderProcess.new(['-n', 'svc', '--code-version', 'v1', '-e', 'Fixture.serve',
                                 '-r', fixture('app.rb')], report: true)
    @loader.expect_ready
    assert_equal 'loading', @loader.next_report['phase']
  end

  def teardown
    @loader.stop
  end

  def spare(id)
    @loader.spare(id)
    @loader.expect(action: 'launched', id: id)['pid']
  end

  def await_title(pid, title)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + DEADLINE
    until Procs.title(pid) == title
      flunk "title of #{pid}: #{Procs.title(pid).inspect}" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      sleep 0.01 # polling interval of a deadline wait
    end
  end

  def test_a_spare_parks_before_the_start_expression_and_a_promotion_runs_it_with_the_same_pid
    pid = spare('s-1')
    # The title is set right before the spare blocks; the start expression would change it.
    await_title(pid, 'svc/v1 ::KleinhirnLoader::Worker s-1 - spare')
    @loader.barrier
    refute(@loader.messages.any? { |m| m['worker_id'] == 's-1' || m['action'] == 'ack' }, 'parked: nothing run yet')
    assert_equal pid, Process.getpgid(pid), 'already in its own group, like any worker'

    Process.kill(:CONT, pid)
    assert_equal({ 'action' => 'log', 'level' => 'info', 'msg' => 'worker starting', 'worker_id' => 's-1', 'pid' => pid },
                 @loader.expect(action: 'log', worker_id: 's-1'))
    @loader.expect(action: 'ack', id: 's-1')
    startup = @loader.next_report
    assert_equal ['startup', pid], [startup['phase'], startup['pid']]
    assert_equal 's-1', startup['env']['KLEINHIRN_WORKER_ID']
    assert_equal 'svc/v1 ::KleinhirnLoader::Worker s-1', @loader.next_report['title']
  end

  def test_a_promotion_that_comes_before_the_spare_parks_is_not_lost
    pid = spare('early')
    Process.kill(:CONT, pid) # at once: the spare may not have reached its wait yet
    @loader.expect(action: 'ack', id: 'early')
  end

  def test_a_parked_spare_stops_on_term_and_its_exit_is_reported
    pid = spare('s-term')
    await_title(pid, 'svc/v1 ::KleinhirnLoader::Worker s-term - spare')
    Process.kill(:TERM, pid)
    assert_equal 15, @loader.exit_of(pid)['signal']
  end

  def test_sigcont_to_the_loader_promotes_nothing
    pid = spare('s-2')
    await_title(pid, 'svc/v1 ::KleinhirnLoader::Worker s-2 - spare')
    Process.kill(:CONT, @loader.pid)
    normal = @loader.spawn_worker('w')
    @loader.expect(action: 'ack', id: 'w')
    assert_equal 'svc/v1 ::KleinhirnLoader::Worker s-2 - spare', Procs.title(pid)
    refute_equal normal, pid
  end
end
