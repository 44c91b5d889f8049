"""Behind reverse proxies the client's address comes from the hops the proxies added, never from what a client wrote."""

from __future__ import annotations

from flask import request

from bridgework import create_app


def _seen_address(store, proxies: int, forwarded: str | None) -> str:
    app = create_app({"TESTING": True, "STORE": store, "TRUSTED_PROXIES": proxies})

    @app.get("/_who")
    def who():
        return {"address": request.remote_addr}

    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return app.test_client().get("/_who", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}).get_json()["address"]


def test_one_trusted_proxy_gives_the_address_it_added(store) -> None:
    # The client wrote "6.6.6.6" itself; the proxy appended the address it saw, 203.0.113.9.
    assert _seen_address(store, 1, "6.6.6.6, 203.0.113.9") == "203.0.113.9"


def test_without_trusted_proxies_a_forwarded_header_is_ignored(store) -> None:
    assert _seen_address(store, 0, "6.6.6.6") == "10.0.0.2"
