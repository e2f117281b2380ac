"""Exit 0 when the PostgreSQL server named by the URL argument accepts a connection."""
import sys

import psycopg

try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as exc:  # any failure means "not reachable": the run is skipped, not failed
    print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipping the PostgreSQL run", file=sys.stderr)
    sys.exit(1)
