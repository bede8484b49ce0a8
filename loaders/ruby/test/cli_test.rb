# frozen_string_literal: true

require_relative 'test_helper'

class CliParseTest < Minitest::Test
  CLI = KleinhirnLoader::CLI
  APP = fixture('app.rb')
  SECOND = fixture('second.rb')

  def test_short_flags_with_separate_values
    o = CLI.parse(['--status-fd', '7', '-e', 'main', '-r', APP, '-r', SECOND, '-n', 'svc', '--code-version', 'v1'])
    assert_equal 7, o.status_fd
    assert_equal 'main', o.expression
    assert_equal [APP, SECOND], o.files
    assert_equal 'svc', o.name
    assert_equal 'v1', o.version
  end

  def test_long_flags_with_equals
    o = CLI.parse(['--status-fd=9', '--eval=Foo.run', "--require=#{APP}", "--require=#{SECOND}",
                   '--name=svc', '--code-version=abc'])
    assert_equal 9, o.status_fd
    assert_equal 'Foo.run', o.expression
    assert_equal [APP, SECOND], o.files
    assert_equal 'svc', o.name
    assert_equal 'abc', o.version
  end

  def test_long_flags_with_separate_values_and_glued_short_flags
    o = CLI.parse(['--eval', 'x', '--require', APP, "-r#{SECOND}", '-nsvc'])
    assert_equal 'x', o.expression
    assert_equal [APP, SECOND], o.files
    assert_equal 'svc', o.name
  end

  def test_defaults_as_the_original
    o = Dir.chdir(File.dirname(APP)) { CLI.parse(['-e', 'x', '-r', APP]) }
    assert_equal 3, o.status_fd
    assert_equal 'fixtures', o.name # basename of the cwd
    assert_match(/\A\h{8}-\h{4}-4\h{3}-[89ab]\h{3}-\h{12}\z/, o.version)
    refute_equal o.version, CLI.parse(['-e', 'x', '-r', APP]).version, 'a fresh uuid per start'
  end

  def test_usage_errors
    {
      ['-e', 'x'] => /Need at least one -r/,
      ['-r', APP] => /Need one -e/,
      ['-e', 'x', '-e', 'y', '-r', APP] => /Only one -e/,
      ['-e', 'x', '-r', APP, '--frobnicate'] => /invalid option: --frobnicate/,
      ['-e', 'x', '-r', APP, '--status-fd', 'three'] => /invalid argument: --status-fd three/,
      ['-e', 'x', '-r', APP, '--status-fd=-1'] => /non-negative/,
      ['-e', 'x', '-r', APP, 'stray'] => /Unexpected arguments/,
      ['-e', 'x', '-r'] => /missing argument: -r/
    }.each do |argv, message|
      error = assert_raises(CLI::UsageError, argv.inspect) { CLI.parse(argv) }
      assert_match message, error.message, argv.inspect
    end
  end

  def test_missing_file_is_a_setup_error
    error = assert_raises(CLI::SetupError) { CLI.parse(['-e', 'x', '-r', '/nonexistent/app.rb']) }
    assert_equal 'cannot load "/nonexistent/app.rb": no such file', error.message
  end

  def test_a_directory_is_not_a_file_to_load
    assert_raises(CLI::SetupError) { CLI.parse(['-e', 'x', '-r', File.dirname(APP)]) }
  end
end

# The same command line errors, end to end: exit status 1, and nothing on the socket.
class CliProcessTest < Minitest::Test
  def run_loader(*args)
    loader = LoaderProcess.new(args)
    @loaders << loader
    status = loader.wait_exit
    [loader, status, loader.next_message]
  end

  def setup
    @loaders = []
  end

  def teardown
    @loaders.each(&:stop)
  end

  def test_missing_require_prints_message_and_help_and_exits_1
    loader, status, message = run_loader('-e', 'x')
    assert_equal 1, status.exitstatus
    assert_nil message
    assert_match(/\ANeed at least one -r file to load\.\nUsage: kleinhirn_loader/, loader.stdout)
    assert_match(/--status-fd=FD/, loader.stdout)
  end

  def test_missing_eval_prints_message_and_help_and_exits_1
    loader, status, message = run_loader('-r', fixture('app.rb'))
    assert_equal 1, status.exitstatus
    assert_nil message
    assert_match(/\ANeed one -e expression to run in workers\.\nUsage:/, loader.stdout)
  end

  def test_missing_file_exits_1_before_anything_is_sent
    loader, status, message = run_loader('-e', 'x', '-r', fixture('app.rb'), '-r', 'no-such-file.rb')
    assert_equal 1, status.exitstatus
    assert_nil message, 'neither loading nor ready'
    assert_equal %(kleinhirn_loader: cannot load "no-such-file.rb": no such file\n), loader.stderr
  end

  def test_status_fd_that_is_not_open_exits_1
    loader, status, = run_loader('--status-fd', '99', '-e', 'x', '-r', fixture('app.rb'))
    assert_equal 1, status.exitstatus
    assert_equal "kleinhirn_loader: --status-fd 99 is not an open file descriptor\n", loader.stderr
  end

  def test_help_exits_0
    loader, status, = run_loader('--help')
    assert_equal 0, status.exitstatus
    assert_match(/\AUsage: kleinhirn_loader .*-r FILE.*-e EXPRESSION/, loader.stdout)
  end
end
