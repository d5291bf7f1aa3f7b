"""A Griffe extension for the API reference: render the reST bits of the docstrings as Markdown.

The package's docstrings use a few reStructuredText constructs that Markdown shows
literally: Sphinx roles (``:class:`~pkg.Name```), ``::`` before a literal block and
simple tables. This rewrites them when mkdocstrings loads the docstrings (the source
files are untouched): roles become cross-references (or code when the target is not
documented here), ``::`` becomes ``:`` and a two-column table becomes a list.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|data|mod|attr|exc|obj):`(~?)([\w.]+)(\(\))?`")
_RULE = re.compile(r"^=+(\s+=+)+\s*$")


class RSTToMarkdown(griffe.Extension):
    """Rewrite Sphinx roles, ``::`` and simple tables in every docstring."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        # Once the whole package is loaded, so that every role can be resolved.
        _rewrite(pkg, loader)


def _rewrite(obj: griffe.Object, loader: griffe.GriffeLoader) -> None:
    if obj.docstring is not None:
        text = obj.docstring.value
        text = _ROLE.sub(lambda m: _role(m, obj, loader), text)
        text = _tables(text)
        text = re.sub(r"^::\n", "", text, flags=re.MULTILINE)
        text = re.sub(r"(\S)::\n", r"\1:\n", text)
        obj.docstring.value = text
    for member in obj.members.values():
        if not member.is_alias:
            _rewrite(member, loader)  # type: ignore[arg-type]


def _role(match: re.Match[str], obj: griffe.Object, loader: griffe.GriffeLoader) -> str:
    short, name, call = match.groups()
    shown = (name.rsplit(".", 1)[-1] if short else name) + (call or "")
    target = _resolve(name, obj, loader)
    return f"[`{shown}`][{target}]" if target else f"`{shown}`"


def _resolve(name: str, obj: griffe.Object, loader: griffe.GriffeLoader) -> str | None:
    """The documented object ``name`` means where ``obj`` says it, if any."""
    scopes = [""]
    if obj.is_class or obj.is_module:
        scopes.append(obj.path + ".")
    if obj.parent is not None:
        scopes.append(obj.parent.path + ".")
    scopes += [obj.module.path + ".", "langgraph_sse."]
    for scope in scopes:
        path = scope + name
        if not path.startswith("langgraph_sse"):
            continue
        try:
            found = loader.modules_collection.get_member(path)
        except (KeyError, ValueError, griffe.AliasResolutionError):
            continue
        if found is not None:
            return str(found.canonical_path if found.is_alias else found.path)
    return None


def _tables(text: str) -> str:
    """Turn each two-column reST simple table into a Markdown list."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _RULE.match(lines[i]):
            split = lines[i].index(" ")
            j = i + 1
            rows = []
            while j < len(lines) and not _RULE.match(lines[j]):
                rows.append(lines[j])
                j += 1
            if j < len(lines) and all(len(r) > split for r in rows):
                out += [f"- {r[:split].strip()}: {r[split:].strip()}" for r in rows]
                i = j + 1
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)
