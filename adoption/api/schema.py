"""The OpenAPI schema tells the truth about errors too: every operation declares the 400 it
answers a bad or unknown parameter with, the 401 of a caller who is not signed in, and, where
its path names a record, the 404 of one that does not exist or is not theirs to see. Each is
an `Error`: a `detail` sentence, and a list of messages under each parameter at fault."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong: a sentence, and the messages for each parameter at fault.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in a sentence."},
    },
    "additionalProperties": {
        "type": "array",
        "items": {"type": "string"},
        "description": "The messages about the query parameter of this name.",
    },
}

ERRORS = {
    "400": "A query parameter this operation does not take, or a value it cannot use: "
    "named with its messages.",
    "401": "Not signed in, or the token is unknown, revoked or expired.",
    "404": "No such record, or none you may see.",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA
        )
        self.registry.register_on_missing(error)
        codes = ["400", "401"] + (["404"] if "{" in self.path else [])
        for code in codes:
            responses.setdefault(
                code,
                {
                    "description": ERRORS[code],
                    "content": {"application/json": {"schema": error.ref}},
                },
            )
        return responses


def parameters_are_never_empty(result, generator, request, public):
    """A query parameter given empty is refused (adoption/core/parameters.py): say so, with
    `minLength: 1` on every string parameter that is not already one of a list of values."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and "enum" not in schema:
                    schema.setdefault("minLength", 1)
    return result
