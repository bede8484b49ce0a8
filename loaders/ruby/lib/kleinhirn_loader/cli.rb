# frozen_string_literal: true

require 'optparse'
require 'securerandom'
require 'kleinhirn_loader'

module KleinhirnLoader
  # `kleinhirn_loader --status-fd N -e EXPR -r FILE [-r FILE ...] [-n NAME] [--code-version V]
  #  [--refork-socket PATH]`
  module CLI
    Options = Struct.new(:status_fd, :files, :expression, :name, :version, :refork_socket, :standby, keyword_init: true)

    # A command line we cannot run: the message goes out with the help text, exit status 1.
    class UsageError < StandardError; end

    # A command line that parses but names something that is not there: exit status 1.
    class SetupError < StandardError; end

    BANNER = 'Usage: kleinhirn_loader [options] -r FILE [-r FILE ...] -e EXPRESSION'

    module_function

    def main(argv)
      options = parse(argv)
      status = open_status_fd(options.status_fd)
      Loader.new(Channel.new(status), options).run
    rescue UsageError => e
      # Like the original: message and help on stdout.
      $stdout.puts(e.message, parser(Options.new).help)
      exit(1)
    rescue SetupError => e
      warn("kleinhirn_loader: #{e.message}")
      exit(1)
    end

    # Returns Options or raises UsageError / SetupError. Prints the help and exits 0 on -h.
    def parse(argv)
      options = Options.new(status_fd: DEFAULT_STATUS_FD, files: [], expression: nil,
                            name: File.basename(Dir.pwd), version: SecureRandom.uuid)
      begin
        parser(options).parse(argv.dup).empty? or raise UsageError, "Unexpected arguments: #{argv.inspect}"
      rescue OptionParser::ParseError => e
        raise UsageError, e.message
      end
      raise UsageError, 'Need at least one -r file to load.' if options.files.empty?
      raise UsageError, 'Need one -e expression to run in workers.' if options.expression.nil?

      options.files.each do |file|
        raise SetupError, "cannot load #{file.inspect}: no such file" unless File.file?(file)
      end
      options
    end

    def parser(options)
      OptionParser.new do |opts|
        opts.banner = BANNER
        opts.on('-r', '--require=FILE', 'Load this file in the loader (repeatable)') do |file|
          options.files << file
        end
        opts.on('-e', '--eval=EXPR', 'Run this expression in every worker') do |expr|
          raise UsageError, 'Only one -e expression can be given.' unless options.expression.nil?

          options.expression = expr
        end
        opts.on('-n', '--name=NAME', 'Name in process titles (default: basename of cwd)') do |name|
          options.name = name
        end
        opts.on('--code-version=VERSION', 'Version in process titles (default: a random uuid)') do |v|
          options.version = v
        end
        opts.on('--refork-socket=PATH', 'Arm reforking: a new loader made from a worker connects here') do |path|
          options.refork_socket = path
        end
        opts.on('--standby', 'Keep one child forked ahead, parked, for the next spawn without captured output') do
          options.standby = true
        end
        opts.on('--status-fd=FD', Integer, "Socket to the supervisor (default: #{DEFAULT_STATUS_FD})") do |fd|
          raise UsageError, "--status-fd must be a non-negative integer, not #{fd}" if fd.negative?

          options.status_fd = fd
        end
        opts.on_tail('-h', '--help', 'Show this help') do
          $stdout.puts(opts.help)
          exit(0)
        end
      end
    end

    def open_status_fd(fd)
      io = IO.for_fd(fd, 'r+', autoclose: true)
      io.sync = true
      io
    rescue Errno::EBADF, Errno::EINVAL
      raise SetupError, "--status-fd #{fd} is not an open file descriptor"
    end
  end
end

require 'kleinhirn_loader/loader'
