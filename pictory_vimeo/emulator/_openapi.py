"""The OpenAPI 3 document of the five API operations, as the emulator serves them.

Field constraints are read from ``pictory_vimeo._rules``, the rules the SDK and the emulator
enforce, so the document cannot drift from the behaviour. Injected faults (429, 5xx) are
documented on every operation because the emulator may answer them anywhere.
"""

from __future__ import annotations

import copy
from typing import Any, Final

from .. import _rules
from .._version import __version__

__all__ = ["NAME_PATTERN", "openapi_document"]

#: The name rule as a JSON Schema pattern (lengths are minLength/maxLength).
NAME_PATTERN: Final = "^[A-Za-z0-9 _-]+$"
_EXAMPLE_ID: Final = "20251222155613307xv0nodhitf9cd0f"
_JSON: Final = "application/json"
_STRING: Final = {"type": "string"}


def _field_schema(api_name: str, *, nullable: bool = False) -> dict[str, Any]:
    rule = _rules.FIELD_RULES[api_name]
    schema: dict[str, Any]
    if rule.kind == "bool":
        schema = {"type": "boolean"}
    elif rule.kind == "version":
        schema = {"type": "integer", "minimum": 1}
    else:
        schema = {"type": "string", "maxLength": rule.max_length}
        if rule.min_length:
            schema["minLength"] = rule.min_length
        if rule.name_chars:
            schema["pattern"] = NAME_PATTERN
    if rule.secret:
        schema["writeOnly"] = True
    if nullable:
        schema["nullable"] = True
    schema["description"] = rule.describe()
    return schema


def _object(required: list[str], **properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _request_schema(fields: tuple[str, ...], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": {
            name: _field_schema(name, nullable=name == "description") for name in fields
        },
    }


def _error(description: str, *, html: bool = False, retry_after: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {_JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}
    if html:
        content["text/html"] = {"schema": {"type": "string"}}
    headers: dict[str, Any] = {"x-request-id": {"$ref": "#/components/headers/RequestId"}}
    if retry_after:
        headers["Retry-After"] = {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer", "minimum": 1},
        }
    return {"description": description, "headers": headers, "content": content}


def _ok(description: str, schema_ref: str | None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
    }
    if schema_ref is not None:
        response["content"] = {_JSON: {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}
    return response


def _responses(success: dict[str, Any], *errors: int) -> dict[str, Any]:
    described = {
        400: _error("The request is invalid: a body or page-key problem (see code, errors)."),
        401: _error("The API key is missing or does not start with pictai_."),
        404: _error("No connection with this ID in this key's account."),
        409: _error("DUPLICATE_NAME (the name is taken) or VERSION_CONFLICT (stale version)."),
        413: _error("The request body is too large."),
    }
    responses = dict(success)
    for status in (*errors, 401):
        responses[str(status)] = described[status]
    responses["429"] = _error("Rate limited (an injected fault).", retry_after=True)
    for fault in ("500", "502", "503"):
        responses[fault] = _error("An injected server fault.", html=True)
    return responses


_ID_PARAMETER: Final = {
    "name": "connectionid",
    "in": "path",
    "required": True,
    "description": "The connection's ID (case-sensitive).",
    "schema": {"type": "string", "minLength": 1},
    "example": _EXAMPLE_ID,
}

_DOCUMENT: Final[dict[str, Any]] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Pictory Vimeo Connections API (local emulator)",
        "version": __version__,
        "description": "The five Vimeo Connections operations of the Pictory API.",
    },
    "security": [{"ApiKey": []}],
    "paths": {
        "/pictoryapis/v1/vimeo-connections": {
            "get": {
                "operationId": "listVimeoConnections",
                "summary": "Get Vimeo Connections",
                "parameters": [
                    {
                        "name": "nextPageKey",
                        "in": "query",
                        "required": False,
                        "description": "The nextPageKey of the previous page, exactly as received.",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": _responses({"200": _ok("One page of connections.", "Page")}, 400),
            },
            "post": {
                "operationId": "createVimeoConnection",
                "summary": "Create Vimeo Connection",
                "requestBody": {
                    "required": True,
                    "content": {
                        _JSON: {"schema": {"$ref": "#/components/schemas/CreateConnectionRequest"}}
                    },
                },
                "responses": _responses(
                    {"201": _ok("The connection was created.", "CreatedConnection")}, 400, 409, 413
                ),
            },
        },
        "/pictoryapis/v1/vimeo-connections/{connectionid}": {
            "parameters": [_ID_PARAMETER],
            "get": {
                "operationId": "getVimeoConnection",
                "summary": "Get Vimeo Connection by ID",
                "responses": _responses({"200": _ok("The connection.", "Connection")}, 404),
            },
            "put": {
                "operationId": "updateVimeoConnection",
                "summary": "Update Vimeo Connection",
                "requestBody": {
                    "required": True,
                    "content": {
                        _JSON: {"schema": {"$ref": "#/components/schemas/UpdateConnectionRequest"}}
                    },
                },
                "responses": _responses(
                    {"200": _ok("The updated connection (version + 1).", "Connection")},
                    400,
                    404,
                    409,
                    413,
                ),
            },
            "delete": {
                "operationId": "deleteVimeoConnection",
                "summary": "Delete Vimeo Connection",
                "responses": _responses(
                    {"204": _ok("Deleted, or there was nothing to delete.", None)}
                ),
            },
        },
    },
    "components": {
        "securitySchemes": {
            "ApiKey": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "The raw API key (starts with pictai_), no 'Bearer'.",
            }
        },
        "headers": {
            "RequestId": {"description": "The request's ID.", "schema": {"type": "string"}}
        },
        "schemas": {
            "CreateConnectionRequest": _request_schema(
                _rules.CREATE_FIELDS,
                ["name", "enabled", "clientIdentifier", "clientSecret", "accessToken"],
            ),
            "UpdateConnectionRequest": _request_schema(
                ("version", *_rules.UPDATE_FIELDS), ["version"]
            ),
            "Connection": _object(
                [f for f in _rules.CONNECTION_FIELDS if f != "description"],
                connectionId={**_STRING, "example": _EXAMPLE_ID},
                name=_STRING,
                description=_STRING,
                clientIdentifier=_STRING,
                type={**_STRING, "enum": ["VIMEO"]},
                enabled={"type": "boolean"},
                createdDate={**_STRING, "format": "date-time"},
                updatedDate={**_STRING, "format": "date-time"},
                version={"type": "integer", "minimum": 1},
            ),
            "CreatedConnection": _object(
                ["name", "enabled", "clientIdentifier", "connectionId", "version"],
                name=_STRING,
                description=_STRING,
                enabled={"type": "boolean"},
                clientIdentifier=_STRING,
                connectionId={**_STRING, "example": _EXAMPLE_ID},
                version={"type": "integer", "enum": [1]},
            ),
            "Page": _object(
                ["Items"],
                Items={"type": "array", "items": {"$ref": "#/components/schemas/Connection"}},
                nextPageKey={
                    **_STRING,
                    "description": "Present when more connections follow; opaque.",
                },
            ),
            "Error": _object(
                ["message", "code"],
                message=_STRING,
                code=_STRING,
                errors={
                    "type": "array",
                    "items": _object(["field", "message"], field=_STRING, message=_STRING),
                },
            ),
        },
    },
}


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    """A fresh copy of the document; ``server_url`` (the emulator's own) is listed first."""
    document = copy.deepcopy(_DOCUMENT)
    servers = [{"url": "https://api.pictory.ai", "description": "Pictory"}]
    if server_url:
        servers.insert(0, {"url": server_url, "description": "This emulator"})
    document["servers"] = servers
    return document
