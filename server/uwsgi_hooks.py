"""Imported by uWSGI itself (``--import server.uwsgi_hooks``) in the master, before it reads
its Python hooks: registers :func:`server.keepalive.after_request`, which runs in each worker
once an answer is completely sent — file downloads (``wsgi.file_wrapper``, sent with
sendfile) included, which a wrapped response body would not allow."""

import uwsgi  # only importable inside uWSGI

from .keepalive import after_request

uwsgi.after_req_hook = after_request
