"""The API reference page's content, read from the OpenAPI schema drf-spectacular generates."""

METHODS = ["get", "post", "put", "patch", "delete"]


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _type(schema, node):
    node = _resolve(schema, node)
    if "allOf" in node:
        return _type(schema, node["allOf"][0])
    if "enum" in node:
        return "one of " + ", ".join(
            str(value) for value in node["enum"] if value not in ("", None)
        )
    kind = node.get("type", "object")
    if kind == "array":
        return f"list of {_type(schema, node.get('items', {}))}"
    return node.get("format", kind)


def _fields(schema, response):
    """The fields of one item of a response: of `results` for a paged list."""
    content = response.get("content", {}).get("application/json", {})
    node = _resolve(schema, content.get("schema", {}))
    properties = node.get("properties", {})
    if "results" in properties:
        node = _resolve(schema, properties["results"].get("items", {}))
        properties = node.get("properties", {})
    return [
        {
            "name": name,
            "type": _type(schema, spec),
            "description": _resolve(schema, spec).get("description", spec.get("description", "")),
        }
        for name, spec in properties.items()
    ]


def api_reference(schema):
    endpoints = []
    for path, operations in schema["paths"].items():
        for method in METHODS:
            if method not in operations:
                continue
            operation = operations[method]
            response = operation.get("responses", {}).get("200", {})
            endpoints.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": parameter["in"],
                            "type": _type(schema, parameter.get("schema", {})),
                            "description": parameter.get("description", ""),
                            "required": parameter.get("required", False),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "fields": _fields(schema, response),
                }
            )
    return {
        "api_title": schema["info"]["title"],
        "api_description": schema["info"].get("description", ""),
        "endpoints": endpoints,
    }
