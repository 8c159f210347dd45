"""KI-Graph: a linked-open-data knowledge graph (RDF, pyoxigraph, Flask)."""

__version__ = "0.1.0"
