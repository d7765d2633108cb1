"""`replaylint audit`: how replay-safe an existing API is. inventory (what each operation is) → score (the
replayability score, hotspots, ledger, change) → data (the JSON shape the reports are drawn from)."""
import os

SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "audit.schema.json")
