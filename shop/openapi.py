"""OpenAPI post-processing: answers that every operation of the API can give.

Any operation can meet an outage of PostgreSQL or Redis, which the exception handler and
``shop.middleware`` render as 503 ``{"detail", "code": "service_unavailable"}`` (API.md
"Errors"). Documenting it once here keeps the schema true without repeating it per view.
"""

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
OUTAGE_COMPONENT = "ServiceUnavailable"
OUTAGE_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "example": "service_unavailable"},
    },
    "required": ["detail", "code"],
}


def add_outage_responses(result, generator, request, public):
    """Give every operation a 503 response (unless it documents its own)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(OUTAGE_COMPONENT, OUTAGE_SCHEMA)
    outage = {
        "description": "A backing service (PostgreSQL or Redis) is unavailable; retry shortly.",
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{OUTAGE_COMPONENT}"}
            }
        },
    }
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                operation.setdefault("responses", {}).setdefault("503", outage)
    return result
