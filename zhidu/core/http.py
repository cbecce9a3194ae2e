"""The client's address when Zhidu sits behind one or more proxies (nginx, a load balancer).

``REMOTE_ADDR`` is the address of whoever opened the TCP connection: behind nginx that is
nginx. The proxy appends the address it saw to ``X-Forwarded-For``, so the header reads
``client, proxy1, proxy2`` — but anything left of the entry *our* proxy wrote came from the
client and may be invented. So the header is read from the right, skipping the proxies we
trust (``ZHIDU_TRUSTED_PROXIES``), and the first address not trusted is the client. With no
trusted proxies (the default) the header is ignored and ``REMOTE_ADDR`` is the answer, so a
server reachable directly cannot be fooled by a forged header.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _parse_ip(value: str) -> IPAddress | None:
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1 and "." in value:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _trusted(ip: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


def client_ip(request) -> str:
    """The address of the client that sent ``request`` (see the module docstring).

    Walks ``REMOTE_ADDR`` and then ``X-Forwarded-For`` from the right; every hop that is a
    trusted proxy passes on to the one before it; the first untrusted address is returned.
    An entry that is not an IP address ends the walk at the last good hop (the chain is not
    believable beyond it). When every hop is trusted, the left-most one is returned."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(getattr(settings, "ZHIDU_TRUSTED_PROXIES", ()) or ()))
    current = _parse_ip(remote)
    if current is None:
        return remote[:64]
    if not networks:
        return str(current)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") or ""
    hops = [h for h in forwarded.split(",") if h.strip()]
    while _trusted(current, networks) and hops:
        previous = _parse_ip(hops.pop())
        if previous is None:
            break
        current = previous
    return str(current)
