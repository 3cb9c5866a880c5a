"""customer-account's own Prometheus metrics (next to trainyard_common's, on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter

IMPORT_ROWS = Counter(
    "customer_account_import_rows_total", "Customer-import rows, by outcome: imported or rejected.", ["outcome"]
)
IMPORT_SECONDS = Counter("customer_account_import_seconds_total", "Time spent applying customer imports.")
IMPORT_HASHING_SECONDS = Counter(
    "customer_account_import_hashing_seconds_total", "Of which: time spent hashing the imported passwords."
)
