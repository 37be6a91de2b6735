"""The OpenAPI document says what the API refuses.

Litestar documents a msgspec Struct's fields but not ``forbid_unknown_fields``, nor the
length limits of a list's strings (``list[Annotated[str, Meta(max_length=30)]]``), so the
schema allowed what the API answers with 400; clients and schemathesis
(``tests/api/test_schemathesis.py``) took the document at its word. This plugin adds
``additionalProperties: false`` to each strict Struct's schema, and the items' limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import Reference, Schema

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition


class StrictStructSchemaPlugin(StructSchemaPlugin):
    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if getattr(info, "forbid_unknown_fields", False):
            schema.additional_properties = False
        for field in getattr(info, "fields", ()):
            item = _string_items(field.type)
            prop = (schema.properties or {}).get(field.encode_name)
            if item is not None and prop is not None:
                for array in _array_schemas(prop):
                    if isinstance(array.items, Schema):
                        array.items.min_length = item.min_length
                        array.items.max_length = item.max_length
                        array.items.pattern = item.pattern
        return schema


def _string_items(kind: msgspec.inspect.Type) -> msgspec.inspect.StrType | None:
    """The constrained string type of a list's items (under Optional and Meta), if any."""
    if isinstance(kind, msgspec.inspect.UnionType):
        arms = [t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType)]
        kind = arms[0] if len(arms) == 1 else kind
    if isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type
    if not isinstance(kind, msgspec.inspect.ListType):
        return None
    item = kind.item_type
    if isinstance(item, msgspec.inspect.Metadata):
        item = item.type
    return item if isinstance(item, msgspec.inspect.StrType) else None


def _array_schemas(prop: Schema | Reference) -> list[Schema]:
    if not isinstance(prop, Schema):
        return []
    found = [prop] if prop.items is not None else []
    for arm in prop.one_of or ():
        found += _array_schemas(arm)
    return found
