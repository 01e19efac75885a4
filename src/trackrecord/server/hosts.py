"""Host names as a ``Host`` header gives them, and which of them are loopback ones.

Used by the origin guard (:mod:`trackrecord.server.origin`) on every request and by
the settings (:mod:`trackrecord.server.settings`) on the ``--allowed-host`` names.
"""

from __future__ import annotations

import ipaddress

__all__ = ["host_name", "is_loopback"]


def host_name(header: str) -> str:
    """The name in a ``Host`` header: lowercase, without port, brackets or final dot.

    Example:
        >>> host_name("[::1]:8080"), host_name("LocalHost.:80"), host_name("example.org")
        ('::1', 'localhost', 'example.org')
    """
    text = header.strip().lower()
    if text.startswith("["):
        name = text[1 : text.find("]")] if "]" in text else text
    else:
        name = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    return name.rstrip(".")


def is_loopback(name: str) -> bool:
    """Whether *name* (from :func:`host_name`) is ``localhost`` or a loopback address."""
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
