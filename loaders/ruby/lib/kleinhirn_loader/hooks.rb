# frozen_string_literal: true

module KleinhirnLoader
  # The blocks an app registers while it loads (so every process forked from the loader has
  # them). The names are the ones unicorn, puma and pitchfork users already know:
  #
  #   KleinhirnLoader.after_fork { ActiveRecord::Base.establish_connection }  # each new worker
  #   KleinhirnLoader.after_refork { Redis.current.disconnect! }             # each new loader made from a worker
  #
  # after_fork runs in every worker before the start expression; after_refork runs in a loader
  # that was forked from a warm worker (see Refork), before it forks anyone. An exception in a
  # hook ends that process with status 1: a worker that cannot reconnect is a failed start, and
  # a loader that cannot be cleaned up is a failed refork.
  module Hooks
    NAMES = %i[after_fork after_refork].freeze
    @blocks = NAMES.to_h { |name| [name, []] }

    class << self
      def register(name, block)
        raise ArgumentError, "#{name} needs a block" unless block

        @blocks.fetch(name) << block
        block
      end

      def run(name)
        @blocks.fetch(name).each(&:call)
      end

      # Tests only: forget every block.
      def clear
        @blocks.each_value(&:clear)
      end
    end
  end

  def self.after_fork(&block)
    Hooks.register(:after_fork, block)
  end

  def self.after_refork(&block)
    Hooks.register(:after_refork, block)
  end
end
