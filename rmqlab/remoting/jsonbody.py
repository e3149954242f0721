"""Parse RocketMQ's fastjson bodies, which write maps with non-string keys as bare numbers.

`{"brokerAddrs":{0:"10.0.0.1:10911"}}` is not JSON; quoting the bare keys outside string literals
makes it so and leaves standard JSON untouched.
"""

from __future__ import annotations

import json
import re

from rmqlab.remoting.errors import RemotingProtocolError

_BARE_KEY = re.compile(r"(?<=[{,])(\s*)(-?\d+)(\s*):")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def quote_bare_keys(text: str) -> str:
    out, pos = [], 0
    for match in _STRING.finditer(text):
        out.append(_BARE_KEY.sub(r'\1"\2"\3:', text[pos:match.start()]))
        out.append(match.group())
        pos = match.end()
    out.append(_BARE_KEY.sub(r'\1"\2"\3:', text[pos:]))
    return "".join(out)


def loads(body: bytes) -> object:
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return json.loads(quote_bare_keys(text))
    except ValueError as exc:
        raise RemotingProtocolError(f"unparseable JSON body: {exc}: {text[:200]!r}") from exc
