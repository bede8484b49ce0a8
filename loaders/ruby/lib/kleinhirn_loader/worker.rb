# frozen_string_literal: true

require 'kleinhirn_loader/env'
require 'kleinhirn_loader/channel'
require 'kleinhirn_loader/messages'

module KleinhirnLoader
  # The app's side of readiness: call `KleinhirnLoader::Worker.new.done` once the worker can
  # serve. Works the same for preloaded workers (the fd is the worker's copy of the loader's
  # socket) and for `type = "program"` workers (the fd is a socket of its own), and does nothing
  # when the process was not started by kleinhirn.
  class Worker
    # One ack per process, whichever thread calls: without it, a second thread could read the
    # fd number after the first had closed it, when it may already name another file, and write
    # the ack into that (and close it).
    LOCK = Mutex.new

    # Returns true when the ack was written, nil when not running under kleinhirn (or when
    # already acked: the variables are gone then).
    def done
      LOCK.synchronize { ack_once }
    end

    private

    def ack_once
      fd = ENV[Env::STATUS_FD]
      id = ENV[Env::WORKER_ID]
      return nil if fd.nil? || fd.empty? || id.nil? || id.empty?

      io = IO.for_fd(Integer(fd, 10), autoclose: true)
      begin
        Channel.new(io).write(Messages.ack(id))
      ensure
        # Closing only drops this process's copy of the fd: the loader and the other workers
        # keep theirs, and the supervisor sees EOF once every holder has closed it.
        io.close
      end
      Process.setproctitle("#{ENV[Env::NAME]}/#{ENV[Env::VERSION]} ::KleinhirnLoader::Worker #{id}")
      Env::ALL.each { |name| ENV.delete(name) }
      true
    end
  end
end
