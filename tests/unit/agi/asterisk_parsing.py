"""Python copies of the two Asterisk parsers a SET VARIABLE line goes through, to check our
escaping against: res_agi.c ``parse_args`` (the command line) and main/app.c
``__ast_app_separate_args`` with remove_chars (what ARRAY() applies to its value)."""

from __future__ import annotations


def agi_parse_args(line: str) -> list[str]:
    args: list[str] = []
    cur: list[str] | None = None
    quoted = escaped = False
    whitespace = True
    for ch in line:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and whitespace:
                cur = []
                args.append("")
                whitespace = False
            escaped = False
            continue
        if ch in " \t" and not quoted and not escaped:
            if cur is not None and not whitespace:
                args[-1] = "".join(cur)
            whitespace = True
            continue
        if ch == "\\" and not escaped:
            escaped = True
            continue
        if whitespace:
            cur = []
            args.append("")
            whitespace = False
        assert cur is not None
        cur.append(ch)
        args[-1] = "".join(cur)
        escaped = False
    return args


def separate_args(buf: str, delim: str = ",") -> list[str]:
    """__ast_app_separate_args(buf, delim, remove_chars=1, ...)."""
    out: list[str] = []
    chars = list(buf)
    i = 0
    paren = quote = bracket = 0
    current: list[str] = []
    was_delim = False
    while i < len(chars):
        ch = chars[i]
        if ch == "(":
            paren += 1
        elif ch == ")":
            paren = max(0, paren - 1)
        elif ch == "[":
            bracket += 1
        elif ch == "]":
            bracket = max(0, bracket - 1)
        elif ch == '"' and delim != '"':
            quote ^= 1
            i += 1
            continue  # removed
        elif ch == "\\":
            i += 1  # the backslash is removed; the next character is taken literally
            if i < len(chars):
                current.append(chars[i])
            i += 1
            continue
        elif ch == delim and not paren and not quote and not bracket:
            out.append("".join(current))
            current = []
            was_delim = True
            i += 1
            continue
        current.append(ch)
        was_delim = False
        i += 1
    if current or was_delim or not out:
        out.append("".join(current))
    return out
