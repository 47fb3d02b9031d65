"""Production server settings, in one place:

    gunicorn -c adoption/config/gunicorn.py adoption.config.wsgi

Each value can be overridden from the environment (names below) or on the command line.
"""

import os


def env_int(name, default):
    value = os.environ.get(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


# Where to listen: GUNICORN_BIND (host:port) or all interfaces on PORT. In the compose stack
# only nginx reaches this port.
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")

# Threaded workers: a client still sending its request holds one thread, not a whole process.
# gunicorn has no header read timeout, so a client that trickles its headers keeps its thread
# until it finishes or disconnects. With more threads per worker than a handful of such
# clients, the others are still served; the buffering proxy in front (deploy/nginx.conf)
# keeps them away from gunicorn altogether. Each busy thread may hold a database connection
# (CONN_MAX_AGE), so workers x threads bounds this instance's connections.
worker_class = "gthread"
workers = env_int("WEB_CONCURRENCY", 3)
threads = env_int("GUNICORN_THREADS", 16)

# A worker whose main loop stops reporting for this many seconds is restarted (a long request
# in one of its threads does not count); a graceful stop waits as long for requests to finish.
timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = timeout
# Seconds an idle kept-alive connection stays open; it waits in the poller, not in a thread.
keepalive = env_int("GUNICORN_KEEPALIVE", 5)
# Worker heartbeat files in memory: a slow container disk cannot stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Request size limits (gunicorn answers 400 past them): request line, header count, header size.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Access log on stdout, error log on stderr. %(h)s is the connecting peer (nginx, in the
# compose stack), followed by the X-Forwarded-For it sets.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Peers whose X-Forwarded-Proto sets wsgi.url_scheme. Only the proxy's address belongs here;
# "*" is safe only where nothing but the proxy can reach gunicorn (as in docker-compose.yml).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
