# frozen_string_literal: true

require 'io/wait'

require 'json'
require 'kleinhirn_loader/channel'
require 'kleinhirn_loader/messages'
require 'kleinhirn_loader/output'
require 'kleinhirn_loader/refork'
require 'kleinhirn_loader/reaper'
require 'kleinhirn_loader/spawner'

module KleinhirnLoader
  # The preloading "server": loads the app once, then forks a worker per `spawn` command.
  #
  # Contract with the supervisor (the socket at --status-fd):
  # * loader -> supervisor: `loading` per file, then `ready`; per command `launched`, `failed`
  #   or `error`; `exited` when a worker it forked exits (see Reaper).
  # * supervisor -> loader: `{"op":"spawn","id":...}`, or `{"op":"spare","id":...}` for a
  #   spare that parks before the start expression (see Park); one JSON object per line.
  # * A loader made from a worker by a refork (Refork::NewLoader) speaks the same protocol on
  #   its own connection, after a first `reforked` line.
  # * EOF on the socket (or a write that finds the supervisor gone) ends the loader with 0.
  class Loader
    # Remembered spawn ids, to refuse a duplicate. The original kept every id forever; we keep
    # the most recent ones only. Forgetting an id once it was launched would make the check
    # useless (spawns are handled one at a time, so a duplicate always comes after the launch);
    # a window this size catches any realistic supervisor bug at a fixed cost (~1 MB).
    REMEMBERED_IDS = 10_000

    # A command line longer than this is refused without buffering it whole.
    MAX_LINE = 64 * 1024

    # `leave` ends the process: exit (at_exit hooks run) for the loader the supervisor started,
    # exit! for one made from a worker (see Refork::NewLoader).
    def initialize(channel, options, leave: ->(code) { exit(code) })
      @channel = channel
      @options = options
      @leave = leave
      @ids = {} # insertion-ordered: the oldest id is first
    end

    def run
      load_files
      serve
    end

    # A loader made from a warm worker: the app is loaded already. Compacts what the worker
    # built, so that the next workers share it, and takes spawn requests.
    def run_reforked
      compact_heap_at_low_priority
      Process.setproctitle(title)
      reply(Messages.ready)
      # Its workers are its children, as the first loader's are: it reaps them and reports `exited`.
      @reaper = Reaper.new(@channel).start
      serve
    end

    def title(suffix = nil)
      base = "#{@options.name}/#{@options.version} ::KleinhirnLoader::Loader"
      suffix ? "#{base} #{suffix}" : base
    end

    private

    def load_files
      @options.files.each do |file|
        Process.setproctitle(title("loading #{file}"))
        reply(Messages.loading(file))
        begin
          load(File.expand_path(file))
        rescue StandardError, ScriptError => e
          report_load_failure(file, e)
          exit(1)
        end
      end
      compact_heap
      Refork.remember_environment
      Process.setproctitle(title)
      # Workers inherit this group until they make their own; a supervisor can signal the
      # loader and any worker still starting up together.
      Process.setpgrp
      reply(Messages.ready)
      # After `ready`, while the supervisor reads it: from here on the loader has children.
      @reaper = Reaper.new(@channel).start
    end

    # After Einhorn / nakayoshi_fork: promote survivors to the old generation and compact, so
    # that the heap pages workers share stay untouched by their own GCs (copy-on-write).
    def compact_heap
      GC.start
      3.times { GC.start(full_mark: false) }
      GC.compact if GC.respond_to?(:compact)
    rescue NotImplementedError
      nil
    end

    # A new loader compacts while the workers of the set are serving: a CPU burst (~130 ms for
    # B10's 100 MB heap) beside them. It runs on a thread of its own at nice 10 (Linux's nice is
    # per thread), so a worker woken by a request is scheduled ahead of it. Raising one's nice
    # value needs no privilege; lowering it again would, so the thread ends with the work and
    # the main thread, which forks the workers, keeps the priority they inherit. Not 19: on a
    # machine with no idle CPU it would get ~0.5% and could miss the refork's ack_timeout.
    COMPACTION_NICE = 10

    def compact_heap_at_low_priority
      Thread.new do
        begin
          Process.setpriority(Process::PRIO_PROCESS, 0, COMPACTION_NICE)
        rescue SystemCallError
          nil # (a seccomp filter) compacting at the usual priority is still right
        end
        compact_heap
      end.join
    end

    def report_load_failure(file, error)
      warn("kleinhirn_loader: failed to load #{file}: #{error.class}: #{error.message}")
      (error.backtrace || []).first(20).each { |line| warn("    #{line}") }
    end

    # How long the loader must have been idle before it forks a standby (`--standby`): the
    # first workers' spawn requests come right after `ready`, and forking beside a burst of them
    # only slows them down.
    STANDBY_IDLE = 0.02

    def serve
      loop do
        fork_standby_when_idle
        line = read_line
        @leave.call(0) if line.nil? # the supervisor closed its end
        handle(line)
      end
    end

    # A line without its "\n", :too_long for an overlong one (skipped to its end), nil at EOF.
    def read_line
      line = @channel.io.gets("\n", MAX_LINE)
      return nil if line.nil?
      return line.chomp("\n") if line.end_with?("\n") || line.bytesize < MAX_LINE

      rest = line
      rest = @channel.io.gets("\n", MAX_LINE) until rest.nil? || rest.end_with?("\n")
      :too_long
    rescue Errno::ECONNRESET
      # Linux reports a peer that closed a unix stream socket with data still unread (our own
      # lines) as ECONNRESET instead of EOF: the supervisor is gone either way.
      nil
    end

    def handle(line)
      return reply(Messages.error("command longer than #{MAX_LINE} bytes")) if line == :too_long

      command = parse(line)
      return reply(Messages.error(command)) if command.is_a?(String)

      case command['op']
      when 'spawn' then spawn(command['id'], Output.from(command), spare: false)
      when 'spare' then spawn(command['id'], Output.from(command), spare: true)
      else reply(Messages.error("unknown op #{command['op'].inspect}"))
      end
    end

    # The command hash, or a String saying what is wrong with the line.
    def parse(line)
      command = JSON.parse(line)
      return "not a JSON object: #{line}" unless command.is_a?(Hash)

      command
    rescue JSON::ParserError => e
      "unparsable command: #{e.message}"
    end

    # Only once one of this loader's workers has exited: a set that never loses a worker never
    # pays for a standby (~0.3-0.6 MiB of its own pages).
    def fork_standby_when_idle
      return unless @options.standby && @standby.nil? && @reaper&.lost_a_worker?
      return if @channel.io.wait_readable(STANDBY_IDLE) # a command first

      @standby = Spawner.new(@channel, @options, @reaper).fork_standby
    end

    def spawn(id, output, spare:)
      return reply(Messages.error('spawn needs a non-empty string "id"')) unless id.is_a?(String) && !id.empty?
      return reply(Messages.error(output)) if output.is_a?(String)
      return reply(Messages.duplicate_id(id)) if @ids.key?(id)

      remember(id)
      warn_about_threads
      # The standby can be any plain worker; captured output is opened before `launched`
      # (Spawner#spawn), which a standby forked earlier cannot do.
      if @standby && !spare && output.stdout.nil? && output.stderr.nil?
        standby = @standby
        @standby = nil
        return if Spawner.new(@channel, @options, @reaper).promote(standby, id)
      end
      launched = Spawner.new(@channel, @options, @reaper).spawn(id, output, spare: spare)
      reply(Messages.fork_failed(id)) unless launched
    end

    # fork copies only the forking thread: threads the app started while loading do not exist in
    # workers, and a lock one of them held at the fork stays held there for good. Said once.
    def warn_about_threads
      return if @warned_threads

      others = Thread.list.reject { |t| t == Thread.current || !t.alive? || @reaper.thread?(t) }
      return if others.empty?

      @warned_threads = true
      names = others.map { |t| t.name || t.inspect[/0x\h+/] }.join(', ')
      @channel.write(Messages.log('warning', 'the app started threads before the fork; they do not run in workers, ' \
                                             'and locks they hold stay held there', threads: names, count: others.size))
    end

    def remember(id)
      @ids[id] = true
      @ids.shift while @ids.size > REMEMBERED_IDS
    end

    def reply(message)
      @channel.write(message)
    rescue Errno::EPIPE, Errno::ECONNRESET
      @leave.call(0) # the supervisor is gone: same as EOF
    end
  end
end
