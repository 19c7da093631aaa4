"""One counter that every committed write moves: the key of the page cache (page_cache.py).

The row (id 1) is bumped inside the committing transaction by an engine hook, never by the
application's own code, so a page rendered from data at revision N is only ever served again
while the database is still at revision N.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, DDL, event
from sqlalchemy.orm import Mapped, mapped_column

from portal_app.models.base import Base


class DataRevision(Base):
    __tablename__ = "data_revision"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# A schema built by create_all (not by the migration, which inserts it too) gets its row.
event.listen(DataRevision.__table__, "after_create",
             DDL("INSERT INTO data_revision (id, value) VALUES (1, 0)"))
