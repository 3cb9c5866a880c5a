"""customer-account's unit of work: one transaction over its repositories, and the password
hashing its use cases need (so the service layer reaches infrastructure only through here)."""

from __future__ import annotations

from customer_account.adapters.activity import ActivityLog
from customer_account.adapters.customer_keys import CustomerKeyStore
from customer_account.adapters.deletions import DeletionRequests
from customer_account.adapters.emails import EmailOutbox
from customer_account.adapters.erasures import ErasureRecords
from customer_account.adapters.groups import GroupRepository
from customer_account.adapters.imports import ImportBatches, ImportResults
from customer_account.adapters.orders import AccessSeen, OrderHistory
from customer_account.adapters.password_setup import SetupTokens
from customer_account.adapters.passwords import Passwords
from customer_account.adapters.repository import CustomerRepository
from customer_account.adapters.sessions import LoginHistory, SessionRepository
from trainyard_common.db.bulk import outbox_params
from trainyard_common.db.uow import SqlUnitOfWork


class CustomerUnitOfWork(SqlUnitOfWork):
    passwords = Passwords()  # no transaction of its own: usable inside or outside ``async with``
    customers: CustomerRepository
    sessions: SessionRepository
    logins: LoginHistory
    activity: ActivityLog
    groups: GroupRepository
    orders: OrderHistory
    access: AccessSeen
    emails: EmailOutbox
    erasures: ErasureRecords
    imports: ImportBatches
    import_results: ImportResults
    deletions: DeletionRequests
    setup_tokens: SetupTokens
    keys: CustomerKeyStore

    def _open(self) -> None:
        self.customers = CustomerRepository(self.session)
        self.sessions = SessionRepository(self.session)
        self.logins = LoginHistory(self.session)
        self.activity = ActivityLog(self.session)
        self.groups = GroupRepository(self.session)
        self.orders = OrderHistory(self.session)
        self.access = AccessSeen(self.session)
        self.emails = EmailOutbox(self.session)
        self.erasures = ErasureRecords(self.session)
        self.imports = ImportBatches(self.session, outbox=lambda events: outbox_params(self, events))
        self.import_results = ImportResults(self.session)
        self.deletions = DeletionRequests(self.session)
        self.setup_tokens = SetupTokens(self.session)
        self.keys = CustomerKeyStore(self.session)

    async def commit(self) -> None:
        await self.activity.flush()  # activity entries commit with the change they describe
        await super().commit()
