"""Scenario blocks as one tagged union, built from the blocks that plugins register.

A block type is a msgspec Struct declared with ``tag_field="type"`` and its own ``tag``; the
kernel joins all registered types into ``Union[...]`` so JSON such as
``{"type": "webhook", "url": ...}`` decodes into the plugin's class, built-in or third-party
alike. (The scenario model that holds blocks arrives with the routing engine.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import msgspec


class BlockRegistryError(ValueError):
    """A plugin registered something that cannot be a block."""


def block_tag(block_type: type[Any]) -> str:
    info = msgspec.inspect.type_info(block_type)
    if not isinstance(info, msgspec.inspect.StructType) or info.tag_field != "type" or info.tag is None:
        raise BlockRegistryError(f"{block_type!r} is not a Struct with tag_field='type' and a tag")
    if not callable(getattr(block_type, "run", None)):
        raise BlockRegistryError(f"block {info.tag!r} has no run(ctx, cursor, result) method")
    return str(info.tag)


def registry_from(plugins: Any) -> BlockRegistry:
    """The registry of every loaded plugin's blocks, remembering which plugin owns each."""
    pairs = plugins.collect_by_plugin("register_blocks")
    return BlockRegistry([block for _, block in pairs], owners={block: plugin for plugin, block in pairs})


class BlockRegistry:
    """The registered block types and a decoder for their union."""

    def __init__(self, block_types: Sequence[type[Any]], owners: dict[type[Any], str] | None = None) -> None:
        self.by_tag: dict[str, type[Any]] = {}
        self.owner: dict[type[Any], str] = dict(owners or {})  # block type -> plugin name
        for block_type in block_types:
            tag = block_tag(block_type)
            if tag in self.by_tag:
                raise BlockRegistryError(f"two plugins register a block of type {tag!r}")
            self.by_tag[tag] = block_type
        self.union: Any = Union[tuple(self.by_tag.values())] if self.by_tag else None  # noqa: UP007
        self._decoder = msgspec.json.Decoder(self.union) if self.union is not None else None

    def decode(self, data: bytes | str) -> Any:
        """Decode one block from JSON; msgspec.ValidationError names the bad field."""
        if self._decoder is None:
            raise msgspec.ValidationError("no block types are registered")
        return self._decoder.decode(data)

    def convert(self, obj: Any) -> Any:
        """Like ``decode`` but from Python builtins (e.g. a jsonb value)."""
        if self.union is None:
            raise msgspec.ValidationError("no block types are registered")
        return msgspec.convert(obj, self.union)
