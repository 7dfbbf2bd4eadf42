"""gunicorn settings: `manage.py start_web` starts gunicorn with `--config python:clinic.gunicorn`.

The access log leaves query strings and the Referer out: a search or a link can carry a
patient's name, and logs are kept and read far more widely than the database.
"""

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
