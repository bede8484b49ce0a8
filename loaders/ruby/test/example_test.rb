# frozen_string_literal: true

require_relative 'test_helper'

# examples/ruby, run through the loader the way kleinhirn.toml there describes.
class ExampleAppTest < Minitest::Test
  EXAMPLE = File.expand_path('../../../examples/ruby', __dir__)

  def setup
    Subreaper.enable!
    toml = File.read(File.join(EXAMPLE, 'kleinhirn.toml'))
    @load = toml[/^load = "(.*)"$/, 1]
    @expression = toml[/^start_expression = "(.*)"$/, 1]
    @count = Integer(toml[/^count = (\d+)$/, 1])
    @loader = LoaderProcess.new(['-n', 'ruby-example', '-e', @expression, '-r', @load], chdir: EXAMPLE)
  end

  def teardown
    @loader.stop
  end

  def smaps_kb(pid, field)
    File.read("/proc/#{pid}/smaps_rollup")[/^#{field}:\s+(\d+) kB/, 1].to_i
  end

  def test_workers_ack_share_the_loaded_memory_and_stop_on_term
    @loader.expect_ready
    workers = (1..@count).map { |i| @loader.spawn_worker("example-#{i}") }
    workers.each_with_index { |_, i| @loader.expect(action: 'ack', id: "example-#{i + 1}") }

    workers.each do |pid|
      rss = smaps_kb(pid, 'Rss')
      private_kb = smaps_kb(pid, 'Private_Dirty') + smaps_kb(pid, 'Private_Clean')
      assert_operator rss, :>, 50_000, 'the loaded ~50 MB is mapped in the worker'
      assert_operator private_kb, :<, rss / 10, "worker #{pid}: #{private_kb} kB of #{rss} kB private"
    end

    workers.each do |pid|
      Process.kill(:TERM, pid)
      assert_equal 0, @loader.exit_of(pid)['exit_code']
    end
  end
end
