"""Thin Flask blueprints: HTTP ⇄ the pure core (``server.sparql``, ``server.formats``, …)."""
