from __future__ import annotations

from commerce_access.adapters.access_records import AccessRepository
from commerce_access.adapters.catalogue import ProductRepository
from commerce_access.adapters.code_records import CodeRepository
from commerce_access.adapters.order_records import OrderRepository
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.projections.customers import CustomerProjection


class CommerceUnitOfWork(SqlUnitOfWork):
    customers: CustomerProjection
    products: ProductRepository
    orders: OrderRepository
    access: AccessRepository
    codes: CodeRepository

    def _open(self) -> None:
        self.customers = CustomerProjection(self.session)
        self.products = ProductRepository(self.session)
        self.orders = OrderRepository(self.session)
        self.access = AccessRepository(self.session)
        self.codes = CodeRepository(self.session)
