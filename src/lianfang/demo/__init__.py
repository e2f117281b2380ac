"""Demo data: a fictional city (江州市) and county (青山县) with two bureaus.

Every module adds its part here; `lianfang loaddemo` runs them in order and is
idempotent (everything is keyed by stable codes)."""
