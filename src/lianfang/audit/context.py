"""Who is acting, and from where, for the entries written during one request or job."""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class ActorContext:
    user: object = None
    ip: str | None = None
    # Set for the anonymous report channel: no address is ever stored.
    anonymous: bool = False
    # Set by bulk imports and the demo loader, which write one summary entry instead.
    muted: bool = False


_current: contextvars.ContextVar[ActorContext] = contextvars.ContextVar("lianfang_audit", default=ActorContext())  # noqa: B039 (frozen dataclass)


def current() -> ActorContext:
    return _current.get()


@contextmanager
def acting(user=None, ip=None, anonymous=False, muted=None):
    base = _current.get()
    token = _current.set(
        ActorContext(
            user=user if user is not None else base.user,
            ip=None if anonymous else (ip if ip is not None else base.ip),
            anonymous=anonymous or base.anonymous,
            muted=base.muted if muted is None else muted,
        )
    )
    try:
        yield
    finally:
        _current.reset(token)
