"""server.keepalive's view of the kernel: the accept queue it reads decides when a worker
gives a kept-alive connection back (the live behaviour is in test_http_live.py)."""

from __future__ import annotations

import socket

import pytest

from server.keepalive import accept_queue_length, find_listener
from server.settings import SettingsError, load_settings


def test_accept_queue_counts_clients_not_yet_accepted():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        assert accept_queue_length(listener) == 0
        clients = [socket.create_connection(listener.getsockname()) for _ in range(3)]
        try:
            assert accept_queue_length(listener) == 3
            accepted, _ = listener.accept()
            accepted.close()
            assert accept_queue_length(listener) == 2
        finally:
            for client in clients:
                client.close()


def test_find_listener_finds_the_listening_socket_by_port():
    with socket.socket() as listener, socket.socket() as other:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        other.bind(("127.0.0.1", 0))  # bound, not listening
        port = listener.getsockname()[1]
        found = find_listener(port)
        assert found is not None
        try:
            assert found.getsockname() == listener.getsockname()
        finally:
            found.close()
        assert find_listener(other.getsockname()[1]) is None


def test_connections_setting_names_its_values():
    assert load_settings(environ={}).connections == "direct"
    assert load_settings(environ={"KIGRAPH_CONNECTIONS": "router"}).connections == "router"
    with pytest.raises(SettingsError, match="KIGRAPH_CONNECTIONS='proxy'.*direct or router"):
        load_settings(environ={"KIGRAPH_CONNECTIONS": "proxy"})
