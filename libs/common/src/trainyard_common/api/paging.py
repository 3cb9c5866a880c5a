"""What every admin list on big data says about its ``total`` (``trainyard_common.db.counting``)."""

from __future__ import annotations

from pydantic import BaseModel, computed_field

from trainyard_common.db.counting import COUNT_CAP, is_capped


class CappedTotal(BaseModel):
    """``total`` is exact up to ``COUNT_CAP`` matches; beyond, counting stops: ``total`` is
    ``COUNT_CAP + 1`` and ``total_capped`` is true (show "10,000+"; narrow the filters)."""

    total: int

    @computed_field(description=f"More than {COUNT_CAP} match: `total` stopped counting at {COUNT_CAP + 1}.")  # type: ignore[prop-decorator]
    @property
    def total_capped(self) -> bool:
        return is_capped(self.total)
