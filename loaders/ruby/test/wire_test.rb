# frozen_string_literal: true

require_relative 'test_helper'
require 'kleinhirn_loader/channel'
require 'kleinhirn_loader/loader'
require 'kleinhirn_loader/messages'

# The wire protocol against its golden lines (fixtures/wire.jsonl), which the supervisor's JUnit
# suite checks too (LoaderWireTest): each report line is exactly what Messages + Channel write,
# and each request line is what the loader parses to the command given.
class WireTest < Minitest::Test
  FIXTURES = File.readlines(fixture('wire.jsonl'), chomp: true).reject(&:empty?).map { |l| JSON.parse(l) }

  def test_every_report_is_written_as_its_golden_line
    reports = FIXTURES.select { |f| f.key?('ruby') }
    assert_operator reports.size, :>=, 8
    reports.each do |f|
      name, *args = f['ruby']
      assert_equal "#{f['line']}\n", KleinhirnLoader::Channel.line(KleinhirnLoader::Messages.public_send(name, *args)),
                   f['name']
    end
  end

  def test_every_message_the_gem_writes_has_a_golden_line
    written = FIXTURES.filter_map { |f| f['ruby']&.first }.uniq.sort
    assert_equal KleinhirnLoader::Messages.singleton_methods(false).map(&:to_s).reject { |m| %w[text scalar].include?(m) }.sort, written
  end

  def test_every_request_line_parses_to_its_command
    requests = FIXTURES.select { |f| f.key?('request') }
    refute_empty requests
    loader = KleinhirnLoader::Loader.new(nil, nil)
    requests.each do |f|
      assert_equal f['request'], loader.send(:parse, f['line']), f['name']
      assert_equal f['line'], JSON.generate(f['request']), "#{f['name']}: the test helper writes it so"
    end
  end
end
