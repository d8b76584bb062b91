"""The bakery's till: what the sample seller rings up, as an artefact type written like any third-party one."""

from __future__ import annotations

from romas.domain.artefact_types import ArtefactType, OperationFailed, observable, operation


class CashRegister(ArtefactType):
    """A till: each sale is rung up with its price, and the day is closed with its total."""

    type_name = "cash_register"
    signals = {
        "rang": "a sale was rung up; args: (customer, price)",
        "closed": "the day was closed; args: (total)",
    }

    takings: int = observable(default=0, description="coins taken since the till was opened")
    sales: int = observable(default=0, description="sales rung up since the till was opened")
    open: bool = observable(default=True, description="whether the till takes sales")

    @operation
    def sell(self, customer: str, price: int) -> int:
        """Ring up a sale; returns the number of the sale."""
        if not self.open:
            raise OperationFailed("the till is closed")
        if price <= 0:
            raise OperationFailed(f"a price must be positive, not {price}")
        self.takings += price
        self.sales += 1
        self.signal("rang", customer, price)
        return self.sales

    @operation
    def close(self) -> int:
        """Close the till for the day; returns the takings."""
        if not self.open:
            raise OperationFailed("the till is already closed")
        self.open = False
        self.signal("closed", self.takings)
        return self.takings
