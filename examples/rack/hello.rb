# frozen_string_literal: true

# The Rack app itself: nothing here knows about kleinhirn or puma.
class Hello
  def initialize(store)
    @store = store
  end

  def call(env)
    case env['PATH_INFO']
    when '/'
      body = "hello from worker #{Process.pid}, #{@store.describe}\n"
      [200, { 'content-type' => 'text/plain', 'content-length' => body.bytesize.to_s }, [body]]
    else
      [404, { 'content-type' => 'text/plain', 'content-length' => '10' }, ["not found\n"]]
    end
  end
end
