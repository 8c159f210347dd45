"""Imported by uWSGI itself (``--import server.uwsgi_hooks``) in the master, before it reads
its Python hooks. Registers two hooks from :mod:`server.keepalive`:
- ``worker_started`` runs in each worker right after the fork;
- ``after_request`` runs in each worker once an answer is completely sent, file downloads
  (``wsgi.file_wrapper``, sent with sendfile) included. A wrapped response body would not
  allow that."""

import uwsgi  # only importable inside uWSGI

from .keepalive import after_request, worker_started

uwsgi.after_req_hook = after_request
uwsgi.post_fork_hook = worker_started
