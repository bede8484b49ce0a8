"""Configurations of the programs under test: kleinhirn, and its peers supervisord and unicorn.

Each writes its files into a scratch directory and returns a path or an argv; nothing starts here.
"""
import os

from procs import free_port


def kh_config(d, body, name="bench"):
    path = os.path.join(d, "kleinhirn.toml")
    with open(path, "w") as f:
        f.write(f'[supervisor]\nname = "{name}"\n' + body)
    return path


def write(path, text, mode=None):
    with open(path, "w") as f:
        f.write(text)
    if mode:
        os.chmod(path, mode)
    return path


def worker_script(d, fifo, ack=False, serve="exec sleep 100000"):
    """A trivial worker: announce our pid on the fifo, ack if kleinhirn asked for it, idle."""
    ack_line = ('if [ -n "$KLEINHIRN_STATUS_FD" ]; then printf \'{"action":"ack","id":"%s"}\\n\' '
                '"$KLEINHIRN_WORKER_ID" >&3; fi\n') if ack else ""
    return write(os.path.join(d, "worker.sh"), f"#!/bin/sh\necho $$ > {fifo}\n{ack_line}{serve}\n", 0o755)


def supervisord_config(d, command, n):
    return write(os.path.join(d, "supervisord.conf"), f"""[supervisord]
nodaemon=true
logfile={d}/supervisord.log
pidfile={d}/supervisord.pid
childlogdir={d}
loglevel=warn
user=root

[program:w]
command={command}
numprocs={n}
process_name=%(program_name)s_%(process_num)d
startsecs=0
startretries=1000
autorestart=true
stopsignal=TERM
stopwaitsecs=10
stdout_logfile=NONE
stderr_logfile=NONE
""")


def ruby_app(d, fifo, mb):
    """The preload app: allocates `mb` MB at load; a worker announces itself and acks."""
    return write(os.path.join(d, "app.rb"), f"""# bench app: ~{mb} MB allocated at load
BENCH_BLOB = Array.new({mb}) {{ "x" * 1_000_000 }}
module BenchApp
  def self.announce
    File.open({fifo!r}, "w") {{ |f| f.write("#{{Process.pid}}\\n") }}
  end

  def self.start
    KleinhirnLoader::Worker.new.done if defined?(KleinhirnLoader::Worker)
    announce
    sleep
  end
end
""")


def unicorn_setup(d, fifo, n, mb):
    ruby_app(d, fifo, mb)
    write(os.path.join(d, "config.ru"), 'require_relative "app"\nrun ->(env) { [200, {}, ["ok\\n"]] }\n')
    port = free_port()
    write(os.path.join(d, "unicorn.conf"), f"""worker_processes {n}
preload_app true
listen "127.0.0.1:{port}"
pid "{d}/unicorn.pid"
timeout 600
after_fork do |server, worker|
  BenchApp.announce
end
""")
    return ["unicorn", "-c", os.path.join(d, "unicorn.conf"), os.path.join(d, "config.ru")]
