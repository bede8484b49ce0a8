# frozen_string_literal: true

require 'kleinhirn_loader/env'
require 'kleinhirn_loader/messages'
require 'kleinhirn_loader/hooks'
require 'kleinhirn_loader/leave'
require 'kleinhirn_loader/refork'
require 'kleinhirn_loader/park'

module KleinhirnLoader
  # Forks one worker from the loaded loader, once:
  #
  #   loader --fork--> worker
  #
  # The worker stays the loader's child while the loader lives: the loader's Reaper reports its
  # exit (`exited`). A loader that dies leaves its workers running; they are re-parented to the
  # nearest child subreaper, the supervisor, which reaps them from then on. (The original forked
  # twice so that workers were the supervisor's children at once; that costs a second fork of the
  # whole heap and the intermediate's exit, about 4x the loader's time per worker.)
  class Spawner
    def initialize(channel, options, reaper)
      @channel = channel
      @options = options
      @reaper = reaper
    end

    # Forks the worker and sends `launched`; a spare parks before the start expression until
    # promoted (see Park). `output` (an Output) names files for the worker's stdout and stderr; by
    # default it keeps the loader's. Returns false if the fork itself failed.
    def spawn(id, output = Output::INHERITED, spare: false)
      go_r, go_w = IO.pipe
      # Opened here, before `launched` is sent: the supervisor keeps these files open until then.
      streams = output.open
      park = Park.arm if spare
      @reaper.launching(id) do
        worker = fork { worker(id, go_r, go_w, streams, park) }
        own_group(worker)
        @channel.write(Messages.launched(id, worker))
        worker
      end
      release(go_w)
      true
    rescue SystemCallError => e # fork: EAGAIN, ENOMEM
      warn("kleinhirn_loader: starting worker #{id} failed: #{e.class}: #{e.message}")
      false
    ensure
      streams&.close
      park&.disarm
      [go_r, go_w].each { |io| io.close unless io.closed? }
    end

    # A child forked ahead, parked before it knows which worker it will be (`--standby`).
    Standby = Struct.new(:pid, :cmd)

    # Forks a standby; the loader does it while idle, so that the next spawn request (a
    # replacement, usually) finds the heap already forked: the fork is the slowest step of a
    # replacement. Returns a Standby, or nil if the fork failed.
    def fork_standby
      cmd_r, cmd_w = IO.pipe
      pid = fork do
        cmd_w.close
        standby(cmd_r)
      end
      Standby.new(pid, cmd_w)
    rescue SystemCallError => e # fork: EAGAIN, ENOMEM
      warn("kleinhirn_loader: forking a standby failed: #{e.class}: #{e.message}")
      cmd_w&.close
      nil
    ensure
      cmd_r&.close
    end

    # Makes the standby worker `id`: it learns its id, `launched` goes out, then it goes on as a
    # freshly forked worker would. False if it is gone (the caller forks as usual; the Reaper
    # reaps it without a report, as it was never launched).
    def promote(standby, id)
      @reaper.launching(id) do
        standby.cmd.write("#{id}\n")
        own_group(standby.pid)
        @channel.write(Messages.launched(id, standby.pid))
        standby.pid
      end
      release(standby.cmd)
      true
    rescue Errno::EPIPE
      false
    ensure
      standby.cmd.close unless standby.cmd.closed?
    end

    private

    # Runs in the standby; never returns into the loader's command loop. Leaves at EOF: the
    # loader is gone, or retired it.
    def standby(cmd_r)
      begin
        @reaper.leave_in_child
        Process.setproctitle("#{@options.name}/#{@options.version} ::KleinhirnLoader::Standby")
        line = cmd_r.gets
        exit!(0) if line.nil?
        id = line.chomp
        prepare(id)
        await_launched(cmd_r, id)
      rescue SignalException => e
        # Signalled while parked (say its loader's group got TERM when a refork retired it):
        # no worker yet, so nothing to report; it leaves by that signal.
        Leave.by_signal(e.signo)
      rescue Exception => e # rubocop:disable Lint/RescueException -- must not unwind into the loader loop
        warn("kleinhirn_loader: starting worker #{id} from the standby failed: #{e.class}: #{e.message}")
        exit!(1)
      end
      work(id)
    end

    # Runs in the worker; never returns into the loader's command loop (its copy of it).
    def worker(id, go_r, go_w, streams, park)
      go_w.close
      begin
        @reaper.leave_in_child
        streams.redirect
        prepare(id)
        await_launched(go_r, id)
      rescue Exception => e # rubocop:disable Lint/RescueException -- must not unwind into the loader loop
        warn("kleinhirn_loader: starting worker #{id} failed: #{e.class}: #{e.message}")
        exit!(1)
      end
      park&.await(title(id, 'spare'))
      work(id)
    end

    def prepare(id)
      Dir.chdir('/')
      reseed
      ENV[Env::WORKER_ID] = id
      ENV[Env::NAME] = @options.name
      ENV[Env::VERSION] = @options.version
      ENV[Env::STATUS_FD] = @channel.fileno.to_s
    end

    # Holds the worker until the loader has sent `launched`, so the supervisor always learns a
    # worker's pid before any line from the worker itself (its `log` or `ack`).
    def await_launched(go_r, id)
      return if go_r.read(1) == '.'

      warn("kleinhirn_loader: worker #{id} was never reported as launched; exiting")
      exit!(1)
    ensure
      go_r.close unless go_r.closed?
    end

    def release(go_w)
      go_w.syswrite('.')
    rescue Errno::EPIPE
      nil # the worker already died; the Reaper reports it
    end

    # Both the loader and the worker put the worker in its own group (as shells do for jobs):
    # whichever runs first wins, and the group exists before the supervisor learns the pid.
    def own_group(worker)
      Process.setpgid(worker, worker)
    rescue Errno::ESRCH, Errno::EACCES
      nil # already died, or already set it itself
    end

    # Forked children share the parent's random state; a worker must not repeat its siblings'
    # "random" numbers (session ids, retry jitter).
    def reseed
      srand
      OpenSSL::Random.seed(Random.urandom(32)) if defined?(OpenSSL::Random)
    end

    def title(id, suffix = nil)
      base = "#{@options.name}/#{@options.version} ::KleinhirnLoader::Worker #{id}"
      suffix ? "#{base} - #{suffix}" : base
    end

    # Runs in the worker.
    def work(id)
      # Its own process group: a signal meant for the loader's group does not hit running
      # workers, and the supervisor can signal a worker with everything it started.
      Process.setpgid(0, 0)
      # Sockets passed down with LISTEN_FDS (systemd socket activation) are the worker's now;
      # libraries check LISTEN_PID == their own pid before using them.
      ENV['LISTEN_PID'] = Process.pid.to_s if ENV.key?('LISTEN_FDS')
      # The fd is the worker's own copy now; Worker#done closes it. This IO object must not
      # close it again at exit, when the number may belong to something else.
      @channel.io.autoclose = false
      Process.setproctitle(title(id, 'startup'))
      log_starting(id)
      Refork.arm(@options.refork_socket, id, @options) if @options.refork_socket
      Hooks.run(:after_fork)
      eval(@options.expression, Empty.binding_for_worker, '(start_expression)', 1) # rubocop:disable Security/Eval
      exit(0)
    end

    def log_starting(id)
      @channel.write(Messages.log('info', 'worker starting', worker_id: id, pid: Process.pid))
    rescue Errno::EPIPE, Errno::ECONNRESET
      nil # the supervisor is gone; the worker runs on, as the original's would
    end

    # The start expression runs in a binding with no local variables and `self` a plain object.
    class Empty
      def self.binding_for_worker
        new.instance_eval { binding }
      end
    end
  end
end
