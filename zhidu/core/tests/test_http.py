"""``client_ip``: the client's address behind trusted proxies, never a forged one."""

import pytest
from django.test import RequestFactory

from zhidu.core.http import client_ip

NGINX = "10.0.0.2"


def _request(remote: str = NGINX, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_no_header_is_remote_addr(settings):
    settings.ZHIDU_TRUSTED_PROXIES = [NGINX]
    assert client_ip(_request("203.0.113.7")) == "203.0.113.7"
    assert client_ip(_request(NGINX)) == NGINX  # a trusted proxy with nothing behind it


def test_header_ignored_when_no_proxy_is_trusted(settings):
    """The default: a server reachable directly cannot be told another address."""
    settings.ZHIDU_TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_header_from_an_untrusted_peer_is_ignored(settings):
    settings.ZHIDU_TRUSTED_PROXIES = [NGINX]
    # The client talks to the app server directly, past nginx, and claims another address.
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_trusted_proxy_passes_on_the_client(settings):
    settings.ZHIDU_TRUSTED_PROXIES = [NGINX]
    assert client_ip(_request(NGINX, "203.0.113.7")) == "203.0.113.7"


def test_cidr_and_several_trusted_hops(settings):
    settings.ZHIDU_TRUSTED_PROXIES = ["10.0.0.0/24", "172.16.5.9"]
    # client → load balancer 172.16.5.9 → nginx 10.0.0.2 → Zhidu
    assert client_ip(_request(NGINX, "203.0.113.7, 172.16.5.9")) == "203.0.113.7"


def test_spoofed_left_entries_are_not_believed(settings):
    """The client sent ``X-Forwarded-For: 1.1.1.1`` itself; nginx appended the real peer."""
    settings.ZHIDU_TRUSTED_PROXIES = [NGINX]
    assert client_ip(_request(NGINX, "1.1.1.1, 203.0.113.7")) == "203.0.113.7"
    # Pretending to be a trusted proxy does not help either: the walk stops at the peer nginx saw.
    assert client_ip(_request(NGINX, "1.1.1.1, 10.0.0.2, 203.0.113.7")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("not-an-ip", NGINX),  # nothing believable beyond our proxy
        ("203.0.113.7, unknown", NGINX),
        ("unknown, 203.0.113.7", "203.0.113.7"),  # garbage left of the client is never reached
        ("", NGINX),
        (" , ", NGINX),
        ("203.0.113.7:51234", "203.0.113.7"),  # a port some proxies add
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_invalid_or_odd_entries(settings, forwarded, expected):
    settings.ZHIDU_TRUSTED_PROXIES = [NGINX]
    assert client_ip(_request(NGINX, forwarded)) == expected


def test_all_hops_trusted_gives_the_left_most(settings):
    settings.ZHIDU_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request(NGINX, "10.9.9.9, 10.0.0.3")) == "10.9.9.9"


def test_ipv6_proxy_network(settings):
    settings.ZHIDU_TRUSTED_PROXIES = ["fd00::/8"]
    assert client_ip(_request("fd00::2", "203.0.113.7")) == "203.0.113.7"


def test_access_log_gets_the_client_behind_the_proxy(client, settings, org):
    from zhidu.audit.models import AccessLog

    settings.ZHIDU_TRUSTED_PROXIES = ["127.0.0.1"]
    r = client.post(
        "/org/login/",
        {"username": "rep_a1", "password": org.password},
        HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7",
    )
    assert r.status_code == 302
    assert AccessLog.objects.get(event="login").ip == "203.0.113.7"
