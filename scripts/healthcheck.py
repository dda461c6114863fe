"""Container health probe: GET /healthz on the local gunicorn, exit 0 when it answers 200.

Used by the Dockerfile's HEALTHCHECK and docker-compose (slim images have no curl).
The request carries the first ALLOWED_HOSTS entry as its Host header: with a
production ALLOWED_HOSTS such as `api.example.com`, a plain request to
127.0.0.1 would be refused by Django (400 DisallowedHost) and the container
would be reported unhealthy although it is fine.
"""
import os
import sys
import urllib.request

PORT = os.environ.get("PORT", "8000")


def probe_host() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0] if hosts else "localhost"
    if host == "*":
        return "localhost"
    return host.lstrip(".")  # ".example.com" allows example.com and its subdomains


def main() -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/healthz", headers={"Host": probe_host()})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except Exception as exc:  # any failure (refused, timeout, 4xx/5xx) means unhealthy
        print(f"healthcheck failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
