"""Container healthcheck: exit 0 when the URL answers 200 (the image has no curl).

Usage: python /opt/pressetl/docker/healthcheck.py http://localhost:8080/api/v2/monitor/health
"""

import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # any failure is "unhealthy"; say why in `docker inspect`
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)
