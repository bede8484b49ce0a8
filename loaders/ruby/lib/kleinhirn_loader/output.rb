# frozen_string_literal: true

module KleinhirnLoader
  # Where a worker's stdout and stderr go. A spawn command may name a file for each (the
  # supervisor's capture pipes as /proc/<pid>/fd/<n>: opening one opens the same pipe); without
  # them the worker keeps the loader's own.
  class Output
    # Opened files, put onto fds 1 and 2 in the worker.
    class Streams
      def initialize(stdout, stderr)
        @stdout = stdout
        @stderr = stderr
      end

      # Runs in the worker: dup2 each file onto its fd (reopen keeps the IO objects STDOUT and
      # STDERR, so code that kept a reference writes to the new place too), then closes it.
      def redirect
        if @stdout
          STDOUT.reopen(@stdout)
          @stdout.close
        end
        return unless @stderr

        STDERR.reopen(@stderr)
        @stderr.close
      end

      # In the loader, after the fork: its copies, which only the worker needs.
      def close
        [@stdout, @stderr].each { |f| f.close unless f.nil? || f.closed? }
      end
    end

    attr_reader :stdout, :stderr

    def initialize(stdout, stderr)
      @stdout = stdout
      @stderr = stderr
    end

    INHERITED = new(nil, nil)

    # An Output, or a String saying what is wrong with the command's "stdout"/"stderr".
    def self.from(command)
      paths = command.values_at('stdout', 'stderr')
      bad = paths.find { |p| !p.nil? && !(p.is_a?(String) && !p.empty?) }
      return "spawn's \"stdout\" and \"stderr\" must be non-empty strings, not #{bad.inspect}" if bad

      new(*paths)
    end

    # Runs in the loader, right before the fork. A file that cannot be opened leaves that stream to the
    # loader's, with a warning: the worker still starts.
    def open
      Streams.new(open_one(@stdout), open_one(@stderr))
    end

    private

    def open_one(path)
      return nil if path.nil?

      File.open(path, File::WRONLY | File::APPEND)
    rescue SystemCallError => e
      warn("kleinhirn_loader: cannot open #{path} for a worker's output: #{e.message}")
      nil
    end
  end
end
