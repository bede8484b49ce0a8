# frozen_string_literal: true

require_relative 'test_helper'

class MessagesTest < Minitest::Test
  M = KleinhirnLoader::Messages
  C = KleinhirnLoader::Channel

  def test_golden_lines
    {
      M.loading('app.rb') => %({"action":"loading","file":"app.rb"}\n),
      M.ready => %({"action":"ready"}\n),
      M.error('boom') => %({"action":"error","message":"in command processing","error":"boom"}\n),
      M.duplicate_id('a') => %({"action":"failed","id":"a","message":"duplicate ID"}\n),
      M.fork_failed('a') => %({"action":"failed","id":"a","message":"fork failed"}\n),
      M.launched('a', 42) => %({"action":"launched","id":"a","pid":42}\n),
      M.ack('a') => %({"action":"ack","id":"a"}\n),
      M.log('info', 'worker starting', worker_id: 'a', pid: 42) =>
        %({"action":"log","level":"info","msg":"worker starting","worker_id":"a","pid":42}\n)
    }.each { |message, line| assert_equal line, C.line(message) }
  end

  def test_log_extras_keep_numbers_and_booleans_and_cannot_replace_the_action
    m = M.log('debug', 'x', action: 'ack', count: 3, flag: true, none: nil, sym: :s)
    assert_equal({ 'action' => 'log', 'level' => 'debug', 'msg' => 'x', 'count' => 3, 'flag' => true, 'none' => '',
                   'sym' => 's' }, m)
    assert_raises(ArgumentError) { M.log('warn', 'x') }
  end

  def test_newlines_and_invalid_utf8_stay_inside_one_line
    line = C.line(M.error("two\nlines \xFF\xFE".b))
    assert_equal 1, line.count("\n")
    assert line.end_with?("\n")
    assert_equal "two\nlines \uFFFD\uFFFD", JSON.parse(line)['error']
  end

  def test_long_texts_are_cut
    line = C.line(M.error('x' * 100_000))
    assert_operator line.bytesize, :<, 2200
  end
end

class ChannelWriteTest < Minitest::Test
  C = KleinhirnLoader::Channel

  # Records syswrite calls; `accept` bytes per call at most (to simulate short writes).
  class FakeIO
    attr_reader :writes

    def initialize(accept = nil)
      @accept = accept
      @writes = []
    end

    def syswrite(bytes)
      taken = @accept ? bytes.byteslice(0, @accept) : bytes
      @writes << taken
      taken.bytesize
    end
  end

  def test_one_message_is_one_write_of_the_whole_line
    io = FakeIO.new
    channel = C.new(io)
    channel.write(KleinhirnLoader::Messages.launched('id-1', 1234))
    channel.write(KleinhirnLoader::Messages.ready)
    assert_equal [%({"action":"launched","id":"id-1","pid":1234}\n), %({"action":"ready"}\n)], io.writes
  end

  def test_a_short_write_is_finished
    io = FakeIO.new(10)
    C.new(io).write(KleinhirnLoader::Messages.ready)
    assert_equal %({"action":"ready"}\n), io.writes.join
    assert_equal 2, io.writes.size
  end

  # The real hazard: many processes writing to one stream socket, as workers and the loader do.
  def test_concurrent_writers_on_one_socket_never_interleave
    ours, theirs = UNIXSocket.pair
    writers = 8
    per_writer = 300
    text = 'x' * 1500 # close to the longest line we send
    pids = Array.new(writers) do |w|
      fork do
        ours.close
        channel = C.new(theirs)
        per_writer.times { |i| channel.write(KleinhirnLoader::Messages.log('info', text, w: w, i: i)) }
        exit!(0)
      end
    end
    theirs.close
    reader = LineReader.new(ours)
    got = reader.rest
    assert_empty reader.leftover
    assert_equal writers * per_writer, got.size
    got.group_by { |m| m['w'] }.each_value do |mine|
      assert_equal (0...per_writer).to_a, mine.map { |m| m['i'] }, 'in order per writer'
      assert(mine.all? { |m| m['msg'] == text })
    end
  ensure
    pids&.each { |pid| Procs.reap(pid) }
    ours&.close
  end
end
