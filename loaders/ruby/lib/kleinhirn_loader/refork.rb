# frozen_string_literal: true

require 'socket'
require 'kleinhirn_loader/channel'
require 'kleinhirn_loader/hooks'
require 'kleinhirn_loader/leave'
require 'kleinhirn_loader/messages'

module KleinhirnLoader
  # Reforking: a warm worker becomes the parent of a new loader, so that the next workers share
  # what this one filled after its fork (caches, inline caches, lazily loaded code).
  #
  #   worker W --(SIGURG)--> refork thread in W --fork--> A --fork--> new loader L
  #
  # The supervisor sends SIGURG to W. The trap only wakes a thread the gem started in W before
  # the start expression; that thread forks, so the fork never happens inside whatever W's main
  # thread was doing (a lock it holds would stay held in L). A forks L and leaves with exit!, so L
  # is re-parented to the supervisor. L connects to the supervisor's refork socket, says
  # `reforked` (W's id, its own pid), makes itself safe to fork from (the loader's environment
  # back, connections pointed at /dev/null), runs the after_refork hooks,
  # compacts the heap and then speaks the loader protocol on that connection: `ready`, then
  # `spawn` requests. W serves on, untouched, until the supervisor recycles it.
  #
  # SIGURG's default action is to ignore it: a process without our trap (one whose app replaced
  # it) does nothing and the supervisor's refork times out, which it treats as a failed refork.
  module Refork
    SIGNAL = 'URG'

    module_function

    # The loader's environment once the app is loaded. A new loader starts from it, not from the
    # worker's: apps change ENV after the fork (puma deletes LISTEN_FDS and LISTEN_PID once it
    # adopted the inherited sockets, so the next generation would bind afresh and fail).
    def remember_environment
      @environment = ENV.to_h.freeze
    end

    def restore_environment
      ENV.replace(@environment) if @environment
    end

    # In a new worker, before the start expression.
    def arm(socket_path, worker_id, options)
      wake = Thread::Queue.new
      Signal.trap(SIGNAL) { wake.push(true) } # Queue#push is allowed in a trap; Mutex#lock is not
      thread = Thread.new do
        while wake.pop
          wake.clear # signals that arrived while forking ask for the same thing
          fork_loader(socket_path, worker_id, options)
        end
      end
      thread.name = 'kleinhirn-refork'
      thread.report_on_exception = false
      thread
    end

    # Runs on the refork thread of W. Returns once A is gone (L re-parented).
    def fork_loader(socket_path, worker_id, options)
      pid = fork do
        fork { NewLoader.new(socket_path, worker_id, options).run }
        exit!(0)
      end
      Process.wait(pid)
    rescue StandardError => e
      warn("kleinhirn_loader: refork from worker #{worker_id} failed: #{e.class}: #{e.message}")
    end

    # The loader L made from a worker. Only the refork thread exists here: the app's threads
    # (its server, its thread pool) did not survive the fork.
    class NewLoader
      def initialize(socket_path, worker_id, options)
        @socket_path = socket_path
        @worker_id = worker_id
        @options = options
      end

      # Never returns: L leaves with exit!, so at_exit hooks the app registered in W (a pid file,
      # a state file) do not run for a process that never served.
      def run
        Process.setpgid(0, 0) # out of W's group before anyone learns our pid
        Sockets.keep_listeners_open
        default_signals
        Refork.restore_environment
        Sockets.release_connections
        io = UNIXSocket.new(@socket_path)
        io.sync = true
        channel = Channel.new(io)
        channel.write(Messages.reforked(@worker_id, Process.pid))
        Hooks.run(:after_refork)
        Loader.new(channel, @options, leave: ->(code) { exit!(code) }).run_reforked
      rescue SignalException => e
        # Told to stop (the supervisor's TERM at shutdown) is no failure: leave by that signal,
        # as the first loader does, still without W's at_exit hooks.
        Leave.by_signal(e.signo)
      rescue Exception => e # rubocop:disable Lint/RescueException -- L must never return into W's code
        warn("kleinhirn_loader: new loader from worker #{@worker_id} failed: #{e.class}: #{e.message}")
        exit!(1)
      end

      private

      # W's traps belong to W's server (puma's TERM handler stops a server L does not run).
      def default_signals
        %w[TERM INT HUP QUIT USR1 USR2 TTIN TTOU WINCH CHLD].each { |sig| Signal.trap(sig, 'DEFAULT') }
        Signal.trap(SIGNAL, 'SYSTEM_DEFAULT')
      end
    end

    # What a new loader must not keep of W's descriptors.
    module Sockets
      module_function

      # Points every socket that is not listening at /dev/null (dup2): a client connection W was
      # serving, a database or cache connection. Kept open in L and in every worker L forks,
      # such a socket would be shared: a client would not see EOF when W closes its copy, and two
      # processes would talk on one database session. Listening sockets stay (L accepts on none;
      # its workers need them). The fd numbers stay valid, so objects of the app that still
      # hold them close /dev/null later, never a descriptor that reused the number.
      def release_connections
        File.open(File::NULL, 'r+') do |null|
          each_socket(:connection) { |fd| IO.for_fd(fd, autoclose: false).reopen(null) unless fd == null.fileno }
        end
      end

      # W's server objects wrap the listeners W inherited (puma's binder holds a TCPServer on
      # fd 3). In L they are garbage: the thread that held them did not survive the fork. Ruby
      # closes an IO's descriptor when it collects the object, and it would do that in L (no
      # worker of L could serve) or in a worker of L, whose new server adopted the same number:
      # that worker's listener closed under it, ~1 s after its start, at its first major GC (puma
      # logs "Exception handling servers: EBADF" and exits 1; every worker of the generation
      # died so, and the set served nothing for seconds). So no IO object L holds closes a
      # listener when it is collected; an explicit #close still does. Runs first in L, before
      # it allocates much: W's server objects are old and alive until L's first major GC.
      def keep_listeners_open
        listeners = []
        each_socket(:listener) { |fd| listeners << fd }
        return if listeners.empty?

        ObjectSpace.each_object(IO) do |io|
          io.autoclose = false if !io.closed? && listeners.include?(io.fileno)
        rescue IOError
          nil # an IO without a stream (IO.allocate)
        end
      end

      def each_socket(kind)
        Dir.children('/proc/self/fd').map(&:to_i).each do |fd|
          yield fd if fd > 2 && socket_kind(fd) == kind
        end
      end

      def socket_kind(fd)
        return nil unless File.readlink("/proc/self/fd/#{fd}").start_with?('socket:')

        sock = Socket.for_fd(fd)
        sock.autoclose = false
        sock.getsockopt(Socket::SOL_SOCKET, Socket::SO_ACCEPTCONN).bool ? :listener : :connection
      rescue SystemCallError, IOError
        nil # gone meanwhile (the /proc listing's own fd), or not a socket after all
      end
    end
  end
end
