"""Scenario blocks as one tagged union, built from the blocks that plugins register.

A block type is a msgspec Struct declared with ``tag_field="type"`` and its own ``tag``; the
kernel joins all registered types into ``Union[...]`` so JSON such as
``{"type": "webhook", "url": ...}`` decodes into the plugin's class, built-in or third-party
alike. What a block must implement besides is the ``Block`` contract (core/engine/block.py),
checked here when a plugin registers the block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

import msgspec
from vats.core.engine.block import contract_errors

if TYPE_CHECKING:
    from vats.core.plugins import PluginHost


class BlockRegistryError(ValueError):
    """A plugin registered something that cannot be a block."""


def block_tag(block_type: type[Any], plugin: str | None = None) -> str:
    """The block's tag (``"forward"``), once the type is checked against the Block contract;
    BlockRegistryError names the plugin, the block and everything it lacks."""
    by = f"plugin {plugin!r}: " if plugin else ""
    info = msgspec.inspect.type_info(block_type)
    if not isinstance(info, msgspec.inspect.StructType) or info.tag_field != "type" or info.tag is None:
        raise BlockRegistryError(f"{by}{block_type!r} is not a Struct with tag_field='type' and a tag")
    errors = contract_errors(block_type)
    if errors:
        raise BlockRegistryError(f"{by}block {info.tag!r} ({block_type.__name__}) " + "; ".join(errors))
    return str(info.tag)


def registry_from(plugins: PluginHost) -> BlockRegistry:
    """The registry of every loaded plugin's blocks, remembering which plugin owns each."""
    pairs = plugins.collect_by_plugin("register_blocks")
    return BlockRegistry([block for _, block in pairs], owners={block: plugin for plugin, block in pairs})


class BlockRegistry:
    """The registered block types and a decoder for their union."""

    def __init__(self, block_types: Sequence[type[Any]], owners: dict[type[Any], str] | None = None) -> None:
        self.by_tag: dict[str, type[Any]] = {}
        self.owner: dict[type[Any], str] = dict(owners or {})  # block type -> plugin name
        self.tag: dict[type[Any], str] = {}  # block type -> its tag (path labels, traces)
        for block_type in block_types:
            tag = block_tag(block_type, self.owner.get(block_type))
            if tag in self.by_tag:
                raise BlockRegistryError(f"two plugins register a block of type {tag!r}")
            self.by_tag[tag] = block_type
            self.tag[block_type] = tag
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
