"""Races (SECURITY.md row 35, and "a double click or two tabs never create two of anything"):
requests released together by a barrier, each from its own client, on SQLite or PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal_app.extensions import db
from portal_app.models import Approval, Comment, Estimate, WorkOrder
from tests.factories import PASSWORD


def _race(requests) -> list:
    """Run the callables at the same moment in threads; return their responses in order."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _count(read, model, *where):
    return read(lambda: db.session.scalar(select(func.count()).select_from(model).where(*where)))


def test_two_approvals_of_one_version_one_wins_the_other_is_told(app, make, read):
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    make.staff(shop, role="admin")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz")
    lee = make.active_contact(acme, email="lee@acme.example", name="Lee Park")
    tabs = []
    for contact in (dana, lee):
        client = app.test_client()
        client.login_portal(contact.email, PASSWORD)
        tabs.append((client, client.csrf_token()))
    for attempt in range(3):
        estimate = make.estimate(acme, lines=[("Brake job", 1, 50000, False),
                                              ("Wipers", 1, 4500, True)])
        url = f"/estimates/{estimate.id}/decision"
        choices = (("approve_all", ""), ("decline", "Too much"))

        def post(client, token, choice, reason):
            return lambda: client.post(url, data={
                "csrf_token": token, "version": "1", "signed_name": "Signer",
                "decision": choice, "reason": reason})

        responses = _race([post(client, token, *choice)
                           for (client, token), choice in zip(tabs, choices)])
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [303, 409], (attempt, statuses)
        loser = next(r for r in responses if r.status_code == 409)
        assert "already decided" in loser.get_data(as_text=True)
        approvals = read(lambda: db.session.scalars(select(Approval).where(
            Approval.estimate_id == estimate.id)).all())
        assert len(approvals) == 1
        status = read(lambda: db.session.get(Estimate, estimate.id).status)
        assert status == approvals[0].decision  # the winner's decision, and only it


def test_two_conversions_and_a_double_posted_comment_make_one_row(app, make, read):
    shop = make.shop("Harbor Diesel")
    acme = make.customer(shop, "Acme Logistics")
    dana = make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz")
    admins = [make.staff(shop, role="admin") for _ in range(2)]
    estimate = make.estimate(acme)
    make.approval(estimate, dana)
    staff = []
    for admin in admins:
        client = app.test_client()
        client.login_staff(admin.email, PASSWORD)
        staff.append((client, client.csrf_token()))
    url = f"/staff/estimates/{estimate.id}/convert"
    responses = _race([lambda c=c, t=t: c.post(url, data={"csrf_token": t}) for c, t in staff])
    assert [r.status_code for r in responses] == [303, 303]
    assert len({r.headers["Location"] for r in responses}) == 1
    assert _count(read, WorkOrder, WorkOrder.estimate_id == estimate.id) == 1

    portal = app.test_client()
    portal.login_portal(dana.email, PASSWORD)
    token = portal.csrf_token()
    data = {"csrf_token": token, "body": "Same form, two clicks", "submission_key": "k" * 32}
    comment_url = f"/estimates/{estimate.id}/comments"
    responses = _race([lambda: portal.post(comment_url, data=data)] * 2)
    assert sorted(r.status_code for r in responses) == [303, 303]
    assert _count(read, Comment, Comment.estimate_id == estimate.id) == 1
