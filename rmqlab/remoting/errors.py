"""Typed remoting errors. `maybe_sent` says whether the server may have acted on the request.

A send whose outcome is unknown (timeout or connection loss after the frame was written) must be
recorded as *info*, never as ok or fail; `maybe_sent` is how callers tell the two apart.
"""

from __future__ import annotations

from rmqlab.errors import RmqlabError


class RemotingError(RmqlabError):
    maybe_sent = False
    uniq_key: str | None = None  # set by RemotingClient.send: the UNIQ_KEY of the message

    def __init__(self, message: str, hint: str | None = None, *, addr: str | None = None,
                 maybe_sent: bool | None = None):
        super().__init__(message, hint)
        self.addr = addr
        if maybe_sent is not None:
            self.maybe_sent = maybe_sent


class RemotingConnectError(RemotingError):
    """TCP connect failed: nothing was sent."""


class RemotingTimeout(RemotingError):
    """No response in time. The request was written, so it may have been executed."""

    maybe_sent = True


class RemotingClosed(RemotingError):
    """The connection closed (or was broken) while the request was outstanding or being written."""


class RemotingProtocolError(RemotingError):
    """A frame or body that does not follow the protocol."""


class RemotingResponseError(RemotingError):
    """The server answered with a non-success code where the operation needs success."""

    maybe_sent = True

    def __init__(self, message: str, code: int, remark: str | None, *, addr: str | None = None,
                 hint: str | None = None):
        super().__init__(message, hint, addr=addr)
        self.code = code
        self.remark = remark


class TopicNotExist(RemotingResponseError):
    """The name server has no route for the topic (response code 17)."""
