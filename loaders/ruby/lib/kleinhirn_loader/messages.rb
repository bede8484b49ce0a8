# frozen_string_literal: true

module KleinhirnLoader
  # The lines the loader and its workers send to the supervisor, as hashes in wire order.
  # `log` extras keep integers and booleans as JSON numbers and booleans (a pid is a number on
  # every line the supervisor writes); everything else becomes a string.
  module Messages
    # Longer error texts are cut so that a line stays far below the size the kernel writes in
    # one piece to a unix stream socket (see Channel).
    MAX_TEXT = 2048

    module_function

    def loading(file)
      { 'action' => 'loading', 'file' => file.to_s }
    end

    def ready
      { 'action' => 'ready' }
    end

    def error(detail)
      { 'action' => 'error', 'message' => 'in command processing', 'error' => text(detail) }
    end

    def duplicate_id(id)
      { 'action' => 'failed', 'id' => id, 'message' => 'duplicate ID' }
    end

    def fork_failed(id)
      { 'action' => 'failed', 'id' => id, 'message' => 'fork failed' }
    end

    def launched(id, pid)
      { 'action' => 'launched', 'id' => id, 'pid' => Integer(pid) }
    end

    # A worker this loader forked has exited; `status` is {exit_code: n} or {signal: n, core: bool}.
    def exited(id, pid, status)
      message = { 'action' => 'exited', 'id' => id, 'pid' => Integer(pid) }
      status.each { |k, v| message[k.to_s] = v }
      message
    end

    def log(level, msg, fields = {})
      unless %w[warning info debug].include?(level)
        raise ArgumentError, "log level must be warning, info or debug, not #{level.inspect}"
      end

      message = { 'action' => 'log', 'level' => level, 'msg' => text(msg) }
      fields.each { |k, v| message[k.to_s] = scalar(v) unless message.key?(k.to_s) }
      message
    end

    # The first line of a loader made from worker `id` by a refork (on its own connection).
    def reforked(id, pid)
      { 'action' => 'reforked', 'id' => id, 'pid' => Integer(pid) }
    end

    def ack(id)
      { 'action' => 'ack', 'id' => id }
    end

    def scalar(value)
      case value
      when Integer, true, false then value
      else text(value)
      end
    end

    # A string that JSON can encode (valid UTF-8) and that keeps lines short.
    def text(value)
      s = value.to_s.dup.force_encoding(Encoding::UTF_8).scrub
      s.length > MAX_TEXT ? "#{s[0, MAX_TEXT]}..." : s
    end
  end
end
