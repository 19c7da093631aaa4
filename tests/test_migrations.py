"""The schema is built by the Alembic migrations, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal_app.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert differences == [], "a model changed without a migration: flask --app wsgi db migrate"


def test_schema_has_the_tenant_indexes(app):
    from sqlalchemy import inspect

    with app.app_context():
        inspector = inspect(db.engine)
        indexed = {
            table: {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
            for table in ("customer", "contact", "location", "outbound_email", "asset",
                          "service_request")
        }
    assert ("shop_id", "name") in indexed["customer"]
    assert ("shop_id",) in indexed["contact"]
    assert ("customer_id",) in indexed["location"]
    assert ("shop_id", "created_at") in indexed["outbound_email"]
    assert ("shop_id", "customer_id", "archived", "unit_number_key") in indexed["asset"]
    assert ("shop_id", "status") in indexed["service_request"]
    assert ("customer_id", "created_at") in indexed["service_request"]
    with app.app_context():
        unique = {tuple(u["column_names"]) for u in inspect(db.engine).get_unique_constraints(
            "asset")}
    assert ("customer_id", "unit_number_key") in unique


def test_estimates_and_work_orders_are_indexed_for_their_lists_and_unique_where_it_matters(app):
    from sqlalchemy import inspect

    with app.app_context():
        inspector = inspect(db.engine)
        indexed = {table: {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
                   for table in ("estimate", "work_order", "comment", "estimate_line",
                                 "work_order_line")}
        unique = {table: {tuple(u["column_names"])
                          for u in inspector.get_unique_constraints(table)}
                  for table in ("estimate", "work_order", "approval", "estimate_version",
                                "comment")}
    for table in ("estimate", "work_order"):
        assert {("shop_id", "status"), ("customer_id", "status"), ("asset_id",)} <= \
            indexed[table], table
        assert ("shop_id", "number") in unique[table], table
    assert {("estimate_id",), ("work_order_id",)} <= indexed["comment"]
    assert ("estimate_id",) in indexed["estimate_line"]
    assert ("work_order_id",) in indexed["work_order_line"]
    # one decision per version, one work order per estimate and per request, one row per form
    assert {("estimate_id", "version"), ("work_order_id", "version")} <= unique["approval"]
    assert {("estimate_id",), ("service_request_id",)} <= unique["work_order"]
    assert ("estimate_id", "version") in unique["estimate_version"]
    assert ("shop_id", "submission_key") in unique["comment"]
    assert ("shop_id", "submission_key") in unique["estimate"]


def test_a_comment_belongs_to_exactly_one_document(app, make):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from portal_app.models import Comment

    shop = make.shop()
    with app.app_context():
        db.session.add(Comment(shop_id=shop.id, body="orphan"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()


def test_every_search_and_status_filter_has_its_index(app):
    """Prefix search (portal_app/search.py) and the stored invoice status are index ranges."""
    from sqlalchemy import inspect

    with app.app_context():
        inspector = inspect(db.engine)
        indexed = {table: {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
                   for table in ("asset", "invoice", "customer", "contact")}
    assert {("customer_id", "archived", "make_key"), ("customer_id", "archived", "model_key"),
            ("customer_id", "location_id", "archived", "unit_number_key")} <= indexed["asset"]
    assert {("shop_id", "number_key"), ("shop_id", "status", "id"),
            ("shop_id", "status", "due_on", "id"), ("customer_id", "status", "issued_on", "id"),
            ("customer_id", "status", "due_on", "id"), ("customer_id", "id")} <= indexed["invoice"]
    assert {("shop_id", "name_key"), ("shop_id", "account_number_key")} <= indexed["customer"]
    assert {("shop_id", "email"), ("shop_id", "name_key")} <= indexed["contact"]


def test_no_table_that_every_write_updates(app):
    """The page cache's data_revision (one row every committed write bumped) is dropped by
    migration 0012, and no engine hook writes on commit."""
    from sqlalchemy import inspect

    with app.app_context():
        assert "data_revision" not in inspect(db.engine).get_table_names()
        assert not db.engine.dispatch.commit
