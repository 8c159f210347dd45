"""OpenAPI 3.1 description of the HTTP API, generated from the saved query files (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import __version__
from .queries import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, MAX_STRING, Parameter, SavedQuery

RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "html": "text/html",
}
GRAPH_TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "trig": "application/trig",
    "nq": "application/n-quads",
    "html": "text/html",
}

_PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "detail_de": {"type": "string", "description": "the detail in German, where there is one"},
        "message": {"type": "string", "description": "query-syntax: the likely cause"},
        "parser_message": {"type": "string", "description": "query-syntax: the parser's words"},
        "line": {"type": "integer", "description": "query-syntax: 1-based line"},
        "column": {"type": "integer", "description": "query-syntax: 1-based column"},
    },
}


def _schema(param: Parameter) -> dict[str, Any]:
    schema: dict[str, Any]
    if param.type == "iri":
        schema = {"type": "string", "format": "iri"}
    elif param.type == "string":
        schema = {"type": "string", "maxLength": MAX_STRING}
    elif param.type == "lang-string":
        schema = {"type": "string", "pattern": "^.*@[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"}
    elif param.type == "integer":
        schema = {"type": "integer"}
    elif param.type == "decimal":
        schema = {"type": "number"}
    elif param.type == "date":
        schema = {"type": "string", "format": "date"}
    elif param.type == "boolean":
        schema = {"type": "boolean"}
    elif param.values:
        schema = {"type": "string", "enum": list(param.values)}
    else:  # enum filled by another saved query at request time
        schema = {"type": "string", "format": "iri"}
    if param.default is not None:
        schema["default"] = param.default
    return schema


def _parameter(param: Parameter) -> dict[str, Any]:
    description = param.description.get("en") or param.expected
    if param.values_query:
        description += f" (one of the values of the saved query `{param.values_query}`)"
    out: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": description,
        "schema": _schema(param),
    }
    if param.example is not None:
        out["example"] = param.example
    return out


def _common(query: SavedQuery) -> list[dict[str, Any]]:
    formats = list(RESULT_TYPES if query.kind in ("SELECT", "ASK") else GRAPH_TYPES)
    params: list[dict[str, Any]] = [
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "Result format; overrides the Accept header.",
            "schema": {"type": "string", "enum": formats},
        }
    ]
    if query.paginated:
        params += [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": "Rows per page.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": query.per_page or DEFAULT_PER_PAGE,
                },
            },
        ]
    return params


def _responses(query: SavedQuery) -> dict[str, Any]:
    types = RESULT_TYPES if query.kind in ("SELECT", "ASK") else GRAPH_TYPES
    content: dict[str, Any] = {media: {"schema": {"type": "string"}} for media in types.values()}
    # JSON bodies are objects; everything else is text
    for media in ("application/sparql-results+json", "application/ld+json"):
        if media in content:
            content[media] = {"schema": {"type": ["object", "array"]}}
    problem = {"content": {"application/problem+json": {"schema": _PROBLEM}}}
    return {
        "200": {"description": "The result", "content": content},
        "304": {"description": "Not modified (ETag matched)"},
        # browsers (format=html) get the query's page with the error on its form
        "400": {
            "description": "A parameter is missing or invalid",
            "content": {**problem["content"], "text/html": {"schema": {"type": "string"}}},
        },
        "406": {"description": "No acceptable format", **problem},
        "503": {"description": "The query took too long", **problem},
    }


def build_openapi(queries: Mapping[str, SavedQuery], server_url: str = "/") -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/queries": {
            "get": {
                "operationId": "listQueries",
                "summary": "List the saved queries",
                "responses": {
                    "200": {
                        "description": "The saved queries with their parameters",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Liveness and data version",
                "responses": {
                    "200": {
                        "description": "Service is up",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }
    for name, query in sorted(queries.items()):
        paths[f"/queries/{name}"] = {
            "get": {
                "operationId": f"run_{name.replace('-', '_')}",
                "summary": query.title["en"],
                "description": f"{query.description['en']}\n\n(de) {query.description['de']}",
                "tags": list(query.tags),
                "parameters": [_parameter(p) for p in query.params] + _common(query),
                "responses": _responses(query),
            }
        }
        paths[f"/queries/{name}.rq"] = {
            "get": {
                "operationId": f"source_{name.replace('-', '_')}",
                "summary": f"SPARQL source of '{name}'",
                "responses": {
                    "200": {
                        "description": "The query file",
                        "content": {"application/sparql-query": {"schema": {"type": "string"}}},
                    }
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "KI-Graph API",
            "version": __version__,
            "description": (
                "Saved SPARQL queries over the KI-Graph knowledge graph of public–private AI "
                "cooperations in Germany, as typed, documented web API. Parameters are bound as "
                "RDF terms, never spliced into query text. Data licensed CC BY 4.0."
            ),
            "license": {"name": "MIT (code); CC BY 4.0 (data)", "identifier": "MIT"},
        },
        "servers": [{"url": server_url}],
        "paths": paths,
    }
