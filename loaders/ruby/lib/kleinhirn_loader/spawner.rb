# frozen_string_literal: true

require 'kleinhirn_loader/env'
require 'kleinhirn_loader/messages'
require 'kleinhirn_loader/hooks'
require 'kleinhirn_loader/refork'

module KleinhirnLoader
  # Double-forks one worker from the loaded loader:
  #
  #   loader --fork--> A (intermediate) --fork--> B (the worker)
  #
  # A sets up the worker environment, forks B, reports B's pid as `launched` and leaves with
  # exit! (no at_exit hooks or finalizers of the app run in A). B is then re-parented to the
  # nearest child subreaper, i.e. the supervisor, which reaps it like any of its children.
  class Spawner
    def initialize(channel, options)
      @channel = channel
      @options = options
    end

    # Returns whether A exited 0. Blocks until A is gone, so B has been re-parented by then.
    # `output` (an Output) names files for B's stdout and stderr; by default B keeps the loader's.
    def spawn(id, output = Output::INHERITED)
      pid = fork { intermediate(id, output) }
      _, status = Process.wait2(pid)
      status.success?
    end

    private

    # Runs in A. Never returns: whatever happens, A leaves through exit!.
    def intermediate(id, output)
      # Opened here, before `launched` is sent: the supervisor keeps these files open until then.
      streams = output.open
      Dir.chdir('/')
      reseed
      ENV[Env::WORKER_ID] = id
      ENV[Env::NAME] = @options.name
      ENV[Env::VERSION] = @options.version
      ENV[Env::STATUS_FD] = @channel.fileno.to_s
      go_r, go_w = IO.pipe
      # The block form: B runs the start expression as a top-level program would, so an
      # exception in it is printed and ends B with status 1 instead of unwinding into the
      # loader's command loop (B's copy of it).
      worker = fork do
        go_w.close
        streams.redirect
        await_launched(go_r, id)
        work(id)
      end
      go_r.close
      own_group(worker)
      @channel.write(Messages.launched(id, worker))
      release(go_w)
      exit!(0)
    rescue Exception => e # rubocop:disable Lint/RescueException -- A must never return
      warn("kleinhirn_loader: starting worker #{id} failed: #{e.class}: #{e.message}")
      exit!(1)
    end

    # Holds B until A has sent `launched`, so the supervisor always learns a worker's pid before
    # any line from the worker itself (its `log` or `ack`). Without this an ack can overtake
    # `launched`. If A dies without sending it, the supervisor never knew this worker: B leaves
    # quietly (A's non-zero exit becomes `failed`).
    def await_launched(go_r, id)
      return if go_r.read(1) == '.'

      warn("kleinhirn_loader: worker #{id} was never reported as launched; exiting")
      exit!(1)
    ensure
      go_r.close unless go_r.closed?
    end

    # After `launched` was sent the spawn has succeeded: a worker that already died is the
    # supervisor's to reap, not a failed spawn.
    def release(go_w)
      go_w.syswrite('.')
    rescue Errno::EPIPE
      nil
    end

    # Both A and B put B in its own group (as shells do for jobs): whichever runs first wins,
    # and the group exists before the supervisor learns the pid, so signalling -pid is safe.
    def own_group(worker)
      Process.setpgid(worker, worker)
    rescue Errno::ESRCH, Errno::EACCES
      nil # B already died, or already set it itself
    end

    # Forked children share the parent's random state; a worker must not repeat its siblings'
    # "random" numbers (session ids, retry jitter).
    def reseed
      srand
      OpenSSL::Random.seed(Random.urandom(32)) if defined?(OpenSSL::Random)
    end

    # Runs in B, the worker.
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
      Process.setproctitle("#{@options.name}/#{@options.version} ::KleinhirnLoader::Worker #{id} - startup")
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
