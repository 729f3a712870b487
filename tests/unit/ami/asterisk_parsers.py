"""What Asterisk 22 does with the bytes of an action, ported line by line from its C sources,
so tests can show what a value would have done there (and that the encoder prevents it).

- :func:`manager_headers`: ``main/manager.c`` get_input() and the header list of a message;
- :func:`manager_variables`: ``man_do_variable_value()`` over ``__ast_app_separate_args()``
  (``main/app.c``), the parser of ``Variable:`` headers;
- :func:`callerid_parse`: ``ast_callerid_parse()`` (``main/callerid.c``) with
  ``ast_strip_quoted()`` and ``ast_unescape_quoted()`` (``main/utils.c``).
"""

from __future__ import annotations


def manager_headers(data: bytes) -> list[list[str]]:
    """The messages manager.c reads from ``data``: lines end at CRLF or a bare LF, a header
    value is a C string (it ends at NUL), a blank line ends a message."""
    messages: list[list[str]] = []
    current: list[str] = []
    for raw in data.replace(b"\r\n", b"\n").split(b"\n"):
        line = raw.split(b"\x00", 1)[0].decode("utf-8", "replace")
        if line:
            current.append(line)
        elif current:
            messages.append(current)
            current = []
    if current:
        messages.append(current)
    return messages


def header_value(message: list[str], key: str) -> list[str]:
    """astman_get_header(): the values of ``key`` with their leading blanks skipped."""
    found = []
    for line in message:
        name, sep, value = line.partition(":")
        if sep and name.lower() == key.lower():
            found.append(value.lstrip(" \t"))
    return found


def separate_args(text: str, delim: str = ",") -> list[str]:
    """__ast_app_separate_args(buf, delim, remove_chars=1, ...)."""
    args: list[str] = []
    current: list[str] = []
    paren = bracket = 0
    quote = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            paren += 1
        elif ch == ")":
            paren = max(0, paren - 1)
        elif ch == "[":
            bracket += 1
        elif ch == "]":
            bracket = max(0, bracket - 1)
        elif ch == '"' and delim != '"':
            quote = not quote
            i += 1
            continue  # removed
        elif ch == "\\":
            i += 1  # removed; the next character is literal
            if i < len(text):
                current.append(text[i])
            i += 1
            continue
        elif ch == delim and not paren and not quote and not bracket:
            args.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    if current or (text.endswith(delim) and args):
        args.append("".join(current))
    return args


def manager_variables(header_values: list[str]) -> dict[str, str]:
    """The channel variables an Originate with these ``Variable:`` headers sets."""
    variables: dict[str, str] = {}
    for value in header_values:
        for item in separate_args(value.lstrip(" \t")):
            name, sep, val = item.partition("=")
            if sep and name:
                variables[name] = val
    return variables


def _strip(text: str) -> str:
    return text.strip(" \t\r\n")


def _strip_quoted(text: str) -> str:
    text = _strip(text)
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    if text == '"':
        return ""
    return text


def _unescape_quoted(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 1
            if i >= len(text):
                break
        out.append(text[i])
        i += 1
    return "".join(out)


def callerid_parse(value: str) -> tuple[str | None, str | None]:
    """(name, number) as ast_callerid_parse() gives them for a ``"name" <number>`` value."""
    instr = _strip_quoted(value)
    less = instr.rfind("<")
    if less < 0:
        raise ValueError("the encoder always sends <number>")
    location = instr[less + 1 :]
    greater = location.rfind(">")
    if greater >= 0:
        location = location[:greater]
    name = _unescape_quoted(_strip_quoted(instr[:less]))
    return name, location
