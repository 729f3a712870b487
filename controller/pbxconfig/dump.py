"""Write a configuration document as canonical YAML.

Canonical means: sections and fields in schema order, fields equal to their default left
out, lists of plain values on one line, everything else in block style with two-space
indents, text kept as UTF-8 (Chinese stays readable). The same document always gives the
same bytes, so exports can be diffed and committed.
"""

from __future__ import annotations

from typing import Any

import yaml

from controller.pbxconfig.schema import PbxConfig

HEADER = "# pbx-controller configuration. Reference: docs/configuration.md\n"


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write YAML by hand.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    flat = all(isinstance(item, str | int | float | bool) for item in value)
    return dumper.represent_sequence(
        "tag:yaml.org,2002:seq", value, flow_style=flat and bool(value)
    )


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def dump_config(config: PbxConfig) -> str:
    data = config.model_dump(mode="json", exclude_defaults=True)
    data = {"format": config.format, **data}  # the version is always written, first
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
        indent=2,
    )
    return HEADER + body
