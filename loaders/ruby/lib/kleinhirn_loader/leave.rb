# frozen_string_literal: true

module KleinhirnLoader
  # Ends this process by a signal, as its default disposition would, running no at_exit hooks:
  # for forks told to stop before they became anything the app's hooks should see (a new loader
  # made from a worker, a parked standby). The supervisor then sees the signal, not a failure.
  module Leave
    def self.by_signal(signo)
      Signal.trap(signo, 'SYSTEM_DEFAULT')
      Process.kill(signo, Process.pid)
      sleep 1 # delivered on the way out of kill(2); never reached
      exit!(128 + signo)
    end
  end
end
