"""CSV import (issue 20 item 5), through HTTP: /staff/import, its preview, Import, a second
import of the same file, encodings and delimiters, 10,000 rows, hostile files, who may use it,
Invite imported contacts and the audit log."""

from __future__ import annotations

import html as markup
import io
import re
import threading
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal_app.extensions import db
from portal_app.models import (Asset, AuditEntry, Contact, Customer, ImportUpload, Location,
                               OutboundEmail, Token)
from tests.conftest import wait_for
from tests.factories import PASSWORD

CUSTOMERS_HEADER = ("customer_name,account_number,billing_address,contact_name,contact_email,"
                    "contact_phone,billing_contact,location_name,location_address\n")
ASSETS_HEADER = "customer_name,unit_number,vin_or_serial,make,model,year,location_name\n"


@pytest.fixture
def shop(make):
    return make.shop("Harbor Diesel", slug="harbor-diesel")


@pytest.fixture
def admin(make, shop):
    return make.staff(shop, role="admin", email="ava@harbor.example", name="Ava Admin")


@pytest.fixture
def console(app, admin):
    client = app.test_client()
    client.login_staff(admin.email, PASSWORD)
    return client


def upload(client, content: bytes | str, kind: str = "customers", name: str = "import.csv",
           **kwargs):
    """POST the upload form as a browser does (multipart), the body built up front."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    boundary, body = encode_multipart({"csrf_token": client.csrf_token(), "kind": kind,
                                       "file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post("/staff/import", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}", **kwargs)


def upload_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    return int(re.search(r"/staff/import/(\d+)$", response.headers["Location"]).group(1))


def preview(client, ident: int, query: str = "") -> str:
    response = client.get(f"/staff/import/{ident}{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def run(client, ident: int):
    return client.post_form(f"/staff/import/{ident}/import")


def rows_of(html: str) -> dict[int, str]:
    """Row number -> the row's text (tags removed), from the preview table."""
    found = {}
    for body in re.findall(r'<tr class="import-\w+">(.*?)</tr>', html, re.S):
        number = int(re.search(r'data-label="Row" class="num">(\d+)<', body).group(1))
        found[number] = markup.unescape(" ".join(re.sub(r"<[^>]+>", " ", body).split()))
    return found


def count(read, model, *where) -> int:
    return read(lambda: db.session.scalar(select(func.count()).select_from(model).where(*where)))


def field_error(html: str) -> str:
    match = re.search(r'<p class="error" id="file-msg">(.*?)</p>', html, re.S)
    assert match, html[-3000:]
    return markup.unescape(match.group(1))


CUSTOMERS = (
    CUSTOMERS_HEADER
    + 'Acme Logistics,ACME-1,"100 Harbor Way\nPortland",Dana Ortiz,Dana@Acme.example,'
      "503-555-0142,yes,Main depot,100 Harbor Way\n"
    + "Acme Logistics,,,Sam Lee,sam@acme.example,,no,North yard,2200 N Marine Dr\n"
    + "  acme logistics ,,,Sam Again,SAM@acme.example,,,,\n"  # duplicate contact (row 4)
    + "Birch Construction,,,Bea Birch,not-an-email,,,,\n"  # bad email (row 5)
    + ",,,No Customer,nc@example.com,,,,\n"  # missing customer name (row 6)
    + "Cedar Haulage,,,,,,,Yard,1 Cedar St\n"  # a customer and its location only (row 7)
    + "Cedar Haulage,,,,,,,,Somewhere\n"  # an address without a location name (row 8)
    + f"{'X' * 161},,,,,,,,\n"  # too long (row 9)
    + "Dover Freight,,,Dee Dover,dee@dover.example,,maybe,,\n"  # billing_contact (row 10)
)


# --- preview, Import, import again -------------------------------------------------------------

def test_preview_lists_every_row_with_its_status_and_the_fields_message(console, read):
    ident = upload_id(upload(console, CUSTOMERS, name="first-day.csv"))
    html = preview(console, ident)
    assert "Preview of first-day.csv" in html
    rows = rows_of(html)
    assert sorted(rows) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert "New" in rows[2] and "New customer Acme Logistics" in rows[2]
    assert "New contact dana@acme.example" in rows[2] and "New location Main depot" in rows[2]
    assert "New contact sam@acme.example" in rows[3]
    assert "Error" in rows[4] and "contact_email" in rows[4]
    assert "Duplicate in the file: row 3" in rows[4]
    assert "“not-an-email” is not an email address" in rows[5]
    assert "customer_name" in rows[6] and "Enter the customer's name." in rows[6]
    assert "New location Yard" in rows[7]
    assert "location_name" in rows[8] and "Name the location" in rows[8]
    assert "Too long: 161 characters, at most 160." in rows[9]
    assert "billing_contact" in rows[10] and "Write yes or no." in rows[10]
    assert re.search(r"New</span> 3<", html) and re.search(r"Error</span> 6<", html)
    assert '<button class="btn primary">Import</button>' in html
    # nothing is written by a preview
    assert count(read, Customer) == 0 and count(read, Contact) == 0
    errors_only = rows_of(preview(console, ident, "?show=error"))
    assert sorted(errors_only) == [4, 5, 6, 8, 9, 10]


def test_import_writes_the_valid_rows_and_a_second_import_adds_nothing(console, shop, read,
                                                                       mailbox):
    response = run(console, upload_id(upload(console, CUSTOMERS)))
    assert response.status_code == 303
    html = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported import.csv: 2 customers created; 2 contacts created; 3 locations " \
           "created; 6 rows with errors skipped." in html
    assert count(read, Customer) == 2 and count(read, Contact) == 2
    assert count(read, Location) == 3
    acme = read(lambda: db.session.scalars(select(Customer).where(
        Customer.name == "Acme Logistics")).one())
    assert acme.account_number == "ACME-1" and acme.billing_address == "100 Harbor Way\nPortland"
    assert acme.name_key == "acme logistics" and acme.account_number_key == "acme-1"
    dana = read(lambda: db.session.scalars(select(Contact).where(
        Contact.email == "dana@acme.example")).one())
    assert dana.customer_id == acme.id and dana.is_billing and dana.phone == "503-555-0142"
    assert dana.name_key == "dana ortiz" and dana.shop_id == shop.id
    assert dana.invited_at is None  # the import itself invites nobody
    assert count(read, OutboundEmail) == 0 and mailbox.messages == []

    again = upload_id(upload(console, CUSTOMERS))
    rows = rows_of(preview(console, again))
    assert "Update" in rows[2] and "Already up to date" in rows[2]
    assert "Update" in rows[7] and "Already up to date" in rows[7]
    html = console.get(run(console, again).headers["Location"]).get_data(as_text=True)
    assert "nothing to change" in html
    assert count(read, Customer) == 2 and count(read, Contact) == 2
    assert count(read, Location) == 3


def test_rows_match_by_name_any_case_or_by_contact_email_and_update_what_differs(
        console, make, shop, read):
    acme = make.customer(shop, "Acme Logistics")
    make.contact(acme, email="dana@acme.example", name="Dana O.")
    renamed = make.customer(shop, "Birch Construction Co")
    make.contact(renamed, email="bea@birch.example", name="Bea Birch")
    make.location(acme, "Main depot", address="Old address")
    ident = upload_id(upload(console, CUSTOMERS_HEADER
                             + "ACME   LOGISTICS,ACME-9,,Dana Ortiz,dana@acme.example,,yes,"
                               "main depot,New address\n"
                             + "Birch Construction,,,Bea Birch,bea@birch.example,,,,\n"))
    rows = rows_of(preview(console, ident))
    assert "Update" in rows[2] and "Updates Acme Logistics: account number" in rows[2]
    assert "Updates contact dana@acme.example: name, billing contact" in rows[2]
    assert "Updates location Main depot: address" in rows[2]
    assert "Matches Birch Construction Co by contact email" in rows[3]
    run(console, ident)
    assert count(read, Customer) == 2 and count(read, Contact) == 2
    assert count(read, Location) == 1
    saved = read(lambda: db.session.get(Customer, acme.id))
    assert saved.name == "Acme Logistics" and saved.account_number == "ACME-9"
    assert saved.account_number_key == "acme-9"
    dana = read(lambda: db.session.scalars(select(Contact).where(
        Contact.email == "dana@acme.example")).one())
    assert dana.name == "Dana Ortiz" and dana.name_key == "dana ortiz" and dana.is_billing
    assert read(lambda: db.session.scalars(select(Location.address)).one()) == "New address"


ASSETS = (
    ASSETS_HEADER
    + "Acme Logistics,T-101,1FUJGLDR7CLBP8834,Freightliner,Cascadia,2019,Main depot\n"
    + "acme logistics, t-102 ,,Kenworth,T680,2021,\n"
    + "Acme Logistics,t-101,,,,,\n"  # duplicate unit (row 4)
    + "Acme Logistics,,,Mack,,,\n"  # missing unit number (row 5)
    + "Nobody Inc,Z-1,,,,,\n"  # unknown customer (row 6)
    + "Acme Logistics,T-103,,,,1850,\n"  # year out of range (row 7)
    + "Acme Logistics,T-104,,,,,Moon base\n"  # unknown location (row 8)
    + f"Acme Logistics,{'9' * 41},,,,,\n"  # too long (row 9)
    + "Acme Logistics,T-105,,,,2019.0,\n"  # a year as a spreadsheet may write it (row 10)
)


def test_assets_preview_import_and_import_again(console, make, shop, read):
    acme = make.customer(shop, "Acme Logistics")
    depot = make.location(acme, "Main depot")
    make.asset(acme, "T-102", make="Old make", model="")
    ident = upload_id(upload(console, ASSETS, kind="assets"))
    rows = rows_of(preview(console, ident))
    assert "New unit T-101 for Acme Logistics" in rows[2]
    assert "Update" in rows[3] and "Updates unit T-102: make, model, year" in rows[3]
    assert "Duplicate in the file: row 2" in rows[4]
    assert "unit_number" in rows[5] and "Enter the unit number." in rows[5]
    assert "No customer named “Nobody Inc”" in rows[6]
    assert "Enter a year like 2019 (1900 to" in rows[7]
    assert "Acme Logistics has no location named “Moon base”" in rows[8]
    assert "Too long: 41 characters, at most 40." in rows[9]
    assert "New" in rows[10]
    run(console, ident)
    units = read(lambda: {a.unit_number: a for a in db.session.scalars(select(Asset))})
    assert sorted(units) == ["T-101", "T-102", "T-105"]
    assert units["T-101"].location_id == depot.id and units["T-101"].year == 2019
    assert units["T-101"].vin_serial == "1FUJGLDR7CLBP8834"
    assert units["T-101"].unit_number_key == "t-101" and units["T-101"].make_key == "freightliner"
    assert units["T-102"].make == "Kenworth" and units["T-102"].model_key == "t680"
    assert units["T-105"].year == 2019

    again = upload_id(upload(console, ASSETS, kind="assets"))
    rows = rows_of(preview(console, again))
    assert "Already up to date" in rows[2] and "Already up to date" in rows[3]
    run(console, again)
    assert count(read, Asset) == 3


# --- encodings and delimiters ------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "utf-8"])
def test_utf8_with_or_without_bom_and_windows_1252_are_read(console, read, encoding):
    content = (CUSTOMERS_HEADER + "Café Rénové,,,José Müller,jose@cafe.example,,yes,Dépôt,\n"
               ).encode(encoding)
    ident = upload_id(upload(console, content))
    rows = rows_of(preview(console, ident))
    assert "New customer Café Rénové" in rows[2]
    run(console, ident)
    assert read(lambda: db.session.scalars(select(Customer.name)).one()) == "Café Rénové"
    assert read(lambda: db.session.scalars(select(Contact.name)).one()) == "José Müller"
    assert read(lambda: db.session.scalars(select(Location.name)).one()) == "Dépôt"


def test_semicolons_and_header_names_in_any_case_with_spaces(console, read):
    content = ("Customer Name;Account Number;Contact Name;CONTACT EMAIL;Billing_Contact;Notes\n"
               "Acme Logistics;ACME-1;Dana Ortiz;dana@acme.example;Yes;ignored, really\n")
    ident = upload_id(upload(console, content))
    html = preview(console, ident)
    assert "separated by semicolons" in html and "Columns not read: Notes." in html
    run(console, ident)
    assert read(lambda: db.session.scalars(select(Customer.account_number)).one()) == "ACME-1"
    assert read(lambda: db.session.scalars(select(Contact.is_billing)).one()) is True


def test_a_missing_required_column_is_a_clear_message(console, read):
    response = upload(console, "name,serial\nAcme,T-1\n", kind="assets")
    assert response.status_code == 422
    message = field_error(response.get_data(as_text=True))
    assert "The file has no customer_name or unit_number column." in message
    assert count(read, ImportUpload) == 0
    # common other names of the columns are understood
    assert upload(console, "Customer,Unit,VIN\nAcme,T-1,X\n", kind="assets").status_code == 303


# --- hostile files -----------------------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
     "This is not a CSV text file"),
    (b"", "The file is empty."),
    (b"\xef\xbb\xbf\n  \n", "The file is empty."),
    ("customer_name,unit_number\n".encode(), "a header line but no rows"),
    (("customer_name,unit_number\n" + ",".join(["x"] * 10**6) + "\n").encode(),
     "Line 2 is 1,999,999 characters long"),
    (("customer_name," * 100 + "\nAcme\n").encode(), "reads at most 40"),
    (("customer_name,unit_number\n" + "Acme,T-1\n" * 12_001).encode(),
     "more than 12,000 rows"),
    (b"customer_name,unit_number\n\"Acme,T-1\n" + b"x" * 9000 + b"\n" * 20 + b"y" * 9000 * 20,
     "Line 23 is"),
], ids=["binary", "empty", "bom-only", "header-only", "a-million-columns", "wide-header",
        "too-many-rows", "a-line-far-too-long"])
def test_hostile_files_get_a_clear_message_next_to_the_file_field(console, read, content,
                                                                   message):
    response = upload(console, content, kind="assets")
    assert response.status_code == 422
    assert message in field_error(response.get_data(as_text=True))
    assert count(read, ImportUpload) == 0


def test_a_50_mb_upload_is_refused_from_its_length_before_it_is_read(console, read):
    content = b"customer_name,unit_number\n" + b"Acme,T-1\n" * (50 * 1024 * 1024 // 9)
    started = time.perf_counter()
    response = upload(console, content)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The file is larger than 5 MB." in field_error(html)
    assert "Import customers and assets" in html
    assert count(read, ImportUpload) == 0
    assert time.perf_counter() - started < 10


def test_a_file_just_over_5_mb_is_refused_too(console, read):
    content = b"customer_name,unit_number\n" + b"A" * (5 * 1024 * 1024)
    response = upload(console, content)
    assert response.status_code in (413, 422)
    assert "The file is larger than 5 MB." in field_error(response.get_data(as_text=True))


def test_a_stray_quote_is_read_without_a_500(console):
    response = upload(console, 'customer_name,unit_number\n"Acme,T-1\nBirch,T-2\n',
                      kind="assets")
    assert response.status_code in (303, 422)


def test_the_form_without_a_file_or_a_kind_says_so(console):
    response = console.post_form("/staff/import", {"kind": "cars"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the CSV file to import." in html and "Not a valid choice" in html


def test_a_post_without_its_csrf_token_is_refused(console, read):
    response = console.post("/staff/import", data={
        "kind": "customers", "file": (io.BytesIO(CUSTOMERS.encode()), "x.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert count(read, ImportUpload) == 0


# --- 10,000 rows -------------------------------------------------------------------------------

def test_ten_thousand_rows_import_in_under_30_seconds(console, make, shop, read, capsys):
    customers = CUSTOMERS_HEADER + "".join(
        f"Fleet {n // 2},F-{n // 2},{n // 2} Main St,Person {n},p{n}@fleet{n // 2}.example,"
        f"555-{n:04d},{'yes' if n % 2 else 'no'},Yard {n},{n} Yard Rd\n" for n in range(10_000))
    started = time.perf_counter()
    ident = upload_id(upload(console, customers, name="ten-thousand.csv"))
    preview_html = preview(console, ident)
    previewed = time.perf_counter()
    assert "New</span> 10,000<" in preview_html
    response = run(console, ident)
    imported = time.perf_counter()
    assert response.status_code == 303
    assert count(read, Customer) == 5_000 and count(read, Contact) == 10_000
    assert count(read, Location) == 10_000

    assets = ASSETS_HEADER + "".join(
        f"Fleet {n // 2},U-{n},VIN{n:014d},Freightliner,Cascadia,2019,Yard {n}\n"
        for n in range(10_000))
    asset_started = time.perf_counter()
    asset_upload = upload_id(upload(console, assets, kind="assets"))
    assert "New</span> 10,000<" in preview(console, asset_upload)
    run(console, asset_upload)
    assets_done = time.perf_counter()
    assert count(read, Asset) == 10_000

    again = upload_id(upload(console, customers))
    assert "Update</span> 10,000<" in preview(console, again)
    run(console, again)
    assert count(read, Customer) == 5_000 and count(read, Contact) == 10_000
    with capsys.disabled():
        print(f"\n10,000 customer rows: upload+preview {previewed - started:.1f} s, "
              f"Import {imported - previewed:.1f} s; 10,000 asset rows: upload+preview+Import "
              f"{assets_done - asset_started:.1f} s")
    assert imported - started < 30
    assert assets_done - asset_started < 30


# --- who, which shop, once ---------------------------------------------------------------------

def test_staff_who_are_not_administrators_get_403(app, make, shop, admin, console, read):
    ident = upload_id(upload(console, CUSTOMERS))
    staff = make.staff(shop, role="staff", email="sid@harbor.example")
    client = app.test_client()
    client.login_staff(staff.email, PASSWORD)
    assert client.get("/staff/import").status_code == 403
    assert client.get("/staff/import/template.csv").status_code == 403
    assert client.get(f"/staff/import/{ident}").status_code == 403
    assert upload(client, CUSTOMERS).status_code == 403
    assert client.post_form(f"/staff/import/{ident}/import").status_code == 403
    assert client.post_form(f"/staff/import/{ident}/invite").status_code == 403
    assert count(read, Customer) == 0


def test_another_shops_upload_is_a_404(app, make, console, read):
    other = make.shop("Summit Fleet")
    their_admin = make.staff(other, role="admin", email="olga@summit.example")
    theirs = app.test_client()
    theirs.login_staff(their_admin.email, PASSWORD)
    ident = upload_id(upload(theirs, CUSTOMERS))
    assert console.get(f"/staff/import/{ident}").status_code == 404
    assert console.post_form(f"/staff/import/{ident}/import").status_code == 404
    assert console.post_form(f"/staff/import/{ident}/invite").status_code == 404
    assert console.get("/staff/import/99999999999").status_code == 404
    assert count(read, Customer) == 0
    assert read(lambda: db.session.get(ImportUpload, ident).imported_at) is None


def test_a_second_import_of_the_same_upload_imports_nothing_twice(console, read):
    ident = upload_id(upload(console, CUSTOMERS))
    assert run(console, ident).status_code == 303
    second = run(console, ident)
    assert second.status_code == 303
    html = console.get(second.headers["Location"]).get_data(as_text=True)
    assert "This file was imported already; nothing was imported again." in html
    assert count(read, Customer) == 2 and count(read, Contact) == 2
    assert count(read, AuditEntry, AuditEntry.action == "customers_imported") == 1


def test_two_imports_of_one_upload_at_once_write_it_once(app, admin, console, read):
    """Two tabs press Import at the same moment: the conditional UPDATE lets one through."""
    ident = upload_id(upload(console, CUSTOMERS))
    other = app.test_client()
    other.login_staff(admin.email, PASSWORD)
    clients = [console, other]
    tokens = [client.csrf_token() for client in clients]
    barrier = threading.Barrier(2)
    statuses = []

    def press(client, token):
        barrier.wait()
        statuses.append(client.post(f"/staff/import/{ident}/import",
                                    data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=press, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [303, 303]
    assert count(read, Customer) == 2 and count(read, Contact) == 2
    assert count(read, AuditEntry, AuditEntry.action == "customers_imported") == 1


# --- templates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, first", [("customers", "customer_name,account_number"),
                                         ("assets", "customer_name,unit_number,vin_or_serial")])
def test_each_kind_has_a_template_to_download_that_imports_as_it_is(console, make, shop, read,
                                                                    kind, first):
    response = console.get(f"/staff/import/template.csv?kind={kind}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert f"import-{kind}.csv" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    assert text.startswith(first)
    page = console.get("/staff/import").get_data(as_text=True)
    assert f'href="/staff/import/template.csv?kind={kind}"' in page
    with open(f"docs/examples/import-{kind}.csv", encoding="utf-8-sig") as shipped:
        assert shipped.read().replace("\r\n", "\n") == text.replace("\r\n", "\n")
    if kind == "assets":  # its customers and locations first
        acme = make.customer(shop, "Acme Logistics")
        make.location(acme, "Main depot")
        make.location(acme, "North yard")
        make.customer(shop, "Birch Construction")
    ident = upload_id(upload(console, response.get_data(), kind=kind))
    assert "Error</span> 0<" in preview(console, ident)
    assert console.get("/staff/import/template.csv?kind=cars").status_code == 404


# --- Invite imported contacts, the audit log ---------------------------------------------------

def test_invite_imported_contacts_is_a_separate_step_with_a_count(console, make, shop, read,
                                                                  mailbox):
    acme = make.customer(shop, "Acme Logistics")
    make.active_contact(acme, email="dana@acme.example", name="Dana Ortiz")  # has a login
    make.contact(acme, email="old@acme.example", name="Elsewhere")  # not in the file
    content = (CUSTOMERS_HEADER
               + "Acme Logistics,,,Dana Ortiz,dana@acme.example,,,,\n"
               + "Acme Logistics,,,Sam Lee,sam@acme.example,,,,\n"
               + "Birch Construction,,,Bea Birch,bea@birch.example,,,,\n"
               + "Birch Construction,,,Bo Birch,bo@birch.example,,,,\n"
               + "Birch Construction,,,Broken,broken@,,,,\n")
    ident = upload_id(upload(console, content))
    refused = console.post_form(f"/staff/import/{ident}/invite")  # not imported yet
    assert refused.status_code == 303 and count(read, Token) == 0
    html = console.get(run(console, ident).headers["Location"]).get_data(as_text=True)
    assert mailbox.messages == [] and count(read, OutboundEmail) == 0
    assert "<strong>3 imported contacts</strong> have no portal login" in html
    assert '<button class="btn primary">Invite imported contacts</button>' in html

    response = console.post_form(f"/staff/import/{ident}/invite")
    assert response.status_code == 303
    html = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation sent to 3 imported contacts." in html
    assert "Every imported contact has a portal login or an invitation already." in html
    wait_for(lambda: len(mailbox.messages) == 3)
    assert sorted(len(mailbox.to(address)) for address in (
        "bea@birch.example", "bo@birch.example", "sam@acme.example")) == [1, 1, 1]
    assert mailbox.to("dana@acme.example") == []
    assert count(read, Contact, Contact.invited_at.is_not(None),
                 Contact.portal_user_id.is_(None)) == 3

    again = console.post_form(f"/staff/import/{ident}/invite")
    assert again.status_code == 303 and len(mailbox.messages) == 3
    details = read(lambda: db.session.scalars(select(AuditEntry.detail).where(
        AuditEntry.action == "import_contacts_invited")).all())
    assert details == ["import.csv: 3 imported contacts invited"]


def test_every_import_is_in_the_audit_log(console, admin, make, shop, read):
    make.customer(shop, "Acme Logistics")
    run(console, upload_id(upload(console, CUSTOMERS, name="customers.csv")))
    run(console, upload_id(upload(console, "customer_name,unit_number\nAcme Logistics,T-1\n",
                                  kind="assets", name="units.csv")))
    entries = read(lambda: db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all())
    assert [(e.action, e.detail) for e in entries] == [
        ("customers_imported", "customers.csv: 1 customer created; 1 customer updated; "
         "2 contacts created; 3 locations created; 6 rows with errors skipped"),
        ("assets_imported", "units.csv: 1 asset created"),
    ]
    assert all(e.actor_staff_id == admin.id for e in entries)
    log = console.get("/staff/audit-log").get_data(as_text=True)
    assert "units.csv: 1 asset created" in log
