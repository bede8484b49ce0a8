# frozen_string_literal: true

# An example app for kleinhirn's `type = "ruby"` workers (see kleinhirn.toml here).
#
# Loading it allocates ~50 MB of long-lived data, once, in the loader; the workers forked from
# the loader share it copy-on-write. Compare a worker's Pss/Private_Dirty in
# /proc/<pid>/smaps_rollup with its Rss to see the sharing.
require 'kleinhirn_loader'

module RubyExample
  # ~40 MB in 40 big strings (malloc'd buffers) ...
  BLOBS = Array.new(40) { |i| (i.chr * (1024 * 1024)).freeze }.freeze
  # ... and ~10 MB of small objects on the Ruby heap, which GC marking would touch if the heap
  # were not compacted and promoted before forking (the loader does that).
  RECORDS = Array.new(100_000) { |i| ["record-#{i}".freeze, i, (i * 7).to_s.freeze].freeze }.freeze

  module_function

  # The start expression: runs in every worker.
  def start
    # Trap before the ack: the supervisor may stop a worker as soon as it counts as ready.
    Signal.trap('TERM') { exit(0) }
    # A real app would open its listeners here, then say it is ready to serve.
    KleinhirnLoader::Worker.new.done
    sleep
  end
end
