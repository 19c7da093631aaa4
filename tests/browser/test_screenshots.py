"""Every portal and staff page at desktop (1280x800) and phone (360x640) size, saved as
full-page PNGs under screenshots/ (git-ignored) for a person to look at.

Per page the test also checks what a screenshot cannot show by itself: the right page was
reached (its heading), nothing is wider than the screen, htmx loaded, the console stayed
free of errors (a Content-Security-Policy violation is a console error), axe-core finds no
serious or critical accessibility violation, and the Nu Html Checker (vnu.jar) finds no HTML
error in the page as the browser holds it (errors about htmx's hx-* attributes aside: they are
not in the HTML standard). Both checkers come from npm (`make install`); vnu needs Java. Without
them the test fails: it never skips.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login_portal, login_staff
from tests.conftest import wait_for

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SIZES = {"desktop": DESKTOP, "phone": PHONE}
PASSPHRASE = "lantern orbit cactus harbor"


# axe impacts that fail the test; "minor" and "moderate" ones are left to a person's judgement.
AXE_FAILING = ("serious", "critical")
# htmx's attributes are not HTML: vnu says e.g. 'Attribute “hx-post” not allowed on element …'.
VNU_HX = re.compile(r"[Aa]ttribute “hx-[^”]*”")


def _checkers() -> tuple[str, str]:
    """Return the paths of java and vnu.jar; fail (never skip) when a checker is missing."""
    missing = [f"{path} (run `make install`: npm ci installs it)"
               for path in (AXE, VNU) if not path.exists()]
    java = shutil.which("java")
    if not java:
        missing.append("java (apt-get install -y default-jre-headless)")
    if missing:
        pytest.fail("the screenshot test's checkers are missing: " + "; ".join(missing),
                    pytrace=False)
    return java, str(VNU)


class Camera:
    """Screenshot pages and note every problem, so one run reports all of them at once."""

    def __init__(self, watch_class, html_dir: Path) -> None:
        self.java, self.vnu = _checkers()
        self.watch_class = watch_class
        self.watches: dict[int, object] = {}
        self.problems: list[str] = []
        self.count = 0
        self.html_dir = html_dir
        self.saved: dict[str, str] = {}  # file name -> "name (size)"
        SCREENSHOTS.mkdir(exist_ok=True)

    def open(self, new_context, **options):
        """A page whose every document gets axe-core before its own scripts.

        axe comes as an init script (run by the browser, outside the page's
        Content-Security-Policy), so the policy stays in force: the console watch still sees
        every violation, which bypass_csp would hide.
        """
        context = new_context(**options)
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        self.watch(page)
        return page

    def watch(self, page):
        self.watches[id(page)] = watch = self.watch_class(page)
        return watch

    def shoot(self, page, size: str, name: str, heading: str | re.Pattern) -> None:
        where = f"{name} ({size})"
        watch = self.watches[id(page)]
        try:
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        except AssertionError as error:
            self.problems.append(f"{where}: wrong page at {page.url}: {str(error)[:300]}")
        width = SIZES[size]["viewport"]["width"]
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wide = page.evaluate("""(w) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w + 0.5)
                .slice(0, 5).map(e => e.tagName.toLowerCase()
                    + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''))""",
                                 width)
            self.problems.append(f"{where}: horizontal overflow, scrollWidth {scroll_width} > "
                                 f"{width}; widest: {wide}")
        if page.evaluate("typeof window.htmx") != "object":
            self.problems.append(f"{where}: htmx did not load")
        self.problems.extend(f"{where}: {error}" for error in watch.take())
        watch.expected_statuses.clear()
        self.count += 1
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
        self._axe(page, where)
        self.problems.extend(f"{where}: {error}" for error in watch.take())  # axe's own, if any
        file_name = f"{name}-{size}.html"
        (self.html_dir / file_name).write_text(page.content(), encoding="utf-8")
        self.saved[file_name] = where

    def _axe(self, page, where: str) -> None:
        violations = page.evaluate("async () => (await axe.run()).violations")
        for violation in violations:
            if violation["impact"] not in AXE_FAILING:
                continue
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            more = f" (+{len(targets) - 3} more)" if len(targets) > 3 else ""
            self.problems.append(
                f"{where}: axe {violation['id']} ({violation['impact']}): {violation['help']}; "
                f"at {', '.join(targets[:3])}{more}")

    def validate_html(self) -> None:
        """One vnu run over every saved page (its start-up is the slow part)."""
        files = [str(self.html_dir / name) for name in sorted(self.saved)]
        run = subprocess.run([self.java, "-jar", self.vnu, "--format", "json", "--stdout", *files],
                             capture_output=True, text=True, timeout=300)
        try:
            messages = json.loads(run.stdout)["messages"]
        except (ValueError, KeyError):
            self.problems.append(f"vnu gave no JSON report (exit {run.returncode}): "
                                 f"{(run.stdout + run.stderr)[:500]}")
            return
        for message in messages:
            if message.get("type") not in ("error", "non-document-error"):
                continue
            text = message.get("message", "")
            if VNU_HX.search(text):
                continue
            where = self.saved.get(Path(message.get("url", "")).name, message.get("url", "?"))
            extract = " ".join(message.get("extract", "").split())[:120]
            self.problems.append(f"{where}: vnu line {message.get('lastLine', '?')}: {text}"
                                 + (f" [{extract}]" if extract else ""))


def test_screenshots_of_every_page(new_context, watch, live_server, make, mailbox, read,
                                   tmp_path):
    shop = make.shop("Harbor Diesel Service", slug="harbor-diesel")
    admin = make.staff(shop, role="admin", name="Ava Alvarez")
    acme = make.customer(shop, "Acme Logistics", account_number="C-1001")
    birch = make.customer(shop, "Birch Construction & Earthworks Ltd", account_number="C-1002")
    for name in ("Cedar Farms", "Delta Marine Services", "Evergreen Landscaping"):
        make.customer(shop, name)
    make.location(acme, "North yard", address="12 Harbor Road, Portsmouth")
    make.location(acme, "Depot", address="")
    dana = make.contact(acme, name="Dana Ortiz", email="dana.ortiz@acme-logistics.example",
                        phone="+1 555 0100", is_billing=True)
    lee = make.contact(acme, name="Lee Park", email="lee@bounce.example")
    make.contact(acme, name="Morgan Featherstonehaugh-Whittington",
                 email="morgan.featherstonehaugh-whittington@accounts-payable.acme-logistics"
                       ".example")
    sam_email = "sam.rivera@example.com"  # a contact of two customers
    make.active_contact(acme, email=sam_email, name="Sam Rivera")
    sam_birch = make.active_contact(birch, email=sam_email, name="Sam Rivera")
    mailbox.refused.add(lee.email)  # the email log then shows a failure too

    camera = Camera(watch, tmp_path)
    staff_pages, anon_pages, sam_pages = {}, {}, {}
    for size, options in SIZES.items():
        for pages in (staff_pages, anon_pages, sam_pages):
            pages[size] = camera.open(new_context, **options)

    # Logged out.
    for size, page in anon_pages.items():
        page.goto("/login")
        camera.shoot(page, size, "portal-01-login", "Log in")
        page.goto("/forgot-password")
        camera.shoot(page, size, "portal-02-forgot-password", "Forgot your password?")
    for size, page in staff_pages.items():
        page.goto("/staff/login")
        camera.shoot(page, size, "staff-01-login", "Staff log in")
        login_staff(page, admin.email)

    # Staff invites Dana (delivered) and Lee (refused by the mail server: failed).
    page = staff_pages["desktop"]
    page.goto(f"/staff/customers/{acme.id}")
    for contact in (dana, lee):
        row = page.locator("#contacts .contact", has_text=contact.name)
        row.get_by_role("button", name="Send portal invitation").click()
        expect(row.locator(".state")).to_contain_text("Invited on")
    messages = wait_for(lambda: mailbox.to(dana.email), timeout=10)
    assert messages, "the invitation did not reach the SMTP server"
    link = re.search(r"https?://\S+/invite/\S+", messages[0].text).group(0)
    assert wait_for(lambda: read(lambda: _failed_count()) == 1, timeout=10)

    for size, page in staff_pages.items():
        page.goto("/staff/")
        camera.shoot(page, size, "staff-02-dashboard", "Harbor Diesel Service")
        page.goto("/staff/customers")
        camera.shoot(page, size, "staff-03-customers", "Customers")
        page.goto(f"/staff/customers/{acme.id}")
        camera.shoot(page, size, "staff-04-customer", "Acme Logistics")
        page.goto(f"/staff/customers/{acme.id}/contacts/new")
        page.get_by_label("Email").fill("not an address")
        camera.watches[id(page)].expected_statuses.add(422)
        page.get_by_role("button", name="Add contact").click()
        expect(page.locator(".field.has-error")).to_have_count(2)
        camera.shoot(page, size, "staff-05-new-contact-error", "New contact")
        page.goto("/staff/email-log")
        camera.shoot(page, size, "staff-06-email-log", "Email log")

    # The invitation link: unused, then used.
    for size, page in anon_pages.items():
        page.goto(link)
        camera.shoot(page, size, "portal-03-invite", "Welcome to Harbor Diesel Service")
    accept = new_context().new_page()
    accept.goto(link)
    accept.get_by_label("New password").fill(PASSPHRASE)
    accept.get_by_label("Confirm password").fill(PASSPHRASE)
    accept.get_by_role("button", name="Set password").click()
    expect(accept.get_by_role("heading", level=1)).to_have_text("Hello, Dana")
    for size, page in anon_pages.items():
        camera.watches[id(page)].expected_statuses.add(410)
        assert page.goto(link).status == 410
        camera.shoot(page, size, "portal-04-invite-used",
                     "This invitation link has already been used")

    # Sam, a contact of two customers: the account choice, then the dashboard.
    for size, page in sam_pages.items():
        login_portal(page, sam_email)
        expect(page).to_have_url(re.compile(r"/accounts\?next="))
        camera.shoot(page, size, "portal-05-accounts", "Choose an account")
        page.get_by_role("button", name=re.compile("Birch Construction")).click()
        expect(page).to_have_url(f"{live_server.url}/")
        camera.shoot(page, size, "portal-06-dashboard", "Hello, Sam")

    # Assets and service requests: Sam now acts for Birch.
    site = make.location(birch, "Head office", address="14 Birch Lane, Fresno")
    quarry = make.location(birch, "Quarry")
    units = [make.asset(birch, f"EX-{n:02d}", site if n % 2 else quarry, make="Caterpillar",
                        model="320 GC excavator", year=2020) for n in range(6)]
    item = make.service_request(sam_birch, site, units[1], urgency="urgent",
                                description="Hydraulic hose burst on the boom.")
    for size, page in sam_pages.items():
        page.goto("/assets")
        camera.shoot(page, size, "portal-07-assets", "Assets")
        page.goto(f"/assets/{units[1].id}")
        camera.shoot(page, size, "portal-08-asset", "EX-01")
        page.goto("/assets/new")
        page.get_by_label("Unit Number").fill(" ex-01 ")
        page.get_by_label("Make").fill("Volvo")
        camera.watches[id(page)].expected_statuses.add(422)
        page.get_by_role("button", name="Add asset").click()
        expect(page.locator(".field.has-error")).to_have_count(1)
        camera.shoot(page, size, "portal-09-asset-duplicate", "Add asset")
        page.goto("/locations")
        camera.shoot(page, size, "portal-10-locations", "Locations")
        page.goto("/requests/new")
        with page.expect_response(lambda r: r.url.endswith("/requests/new/draft")):
            page.get_by_label("Location").select_option(label="Head office")
        page.get_by_label("Description").fill("Track tension is off; squeals when turning.")
        camera.shoot(page, size, "portal-11-request-form", "Request service")
        page.goto("/requests")
        camera.shoot(page, size, "portal-12-requests", "Service requests")
        page.goto(f"/requests/{item.id}")
        camera.shoot(page, size, "portal-13-request", f"Request #{item.id}")
    for size, page in staff_pages.items():
        page.goto("/staff/requests")
        camera.shoot(page, size, "staff-07-requests", "Service requests")
        page.goto(f"/staff/requests/{item.id}")
        camera.shoot(page, size, "staff-08-request", f"Request #{item.id}")
        page.goto(f"/staff/customers/{birch.id}/assets")
        camera.shoot(page, size, "staff-09-assets", f"Assets of {birch.name}")

    # Running the portal (issue 10): settings, users, health, preview, audit log, a contact.
    for size, page in staff_pages.items():
        page.goto("/staff/settings")
        camera.shoot(page, size, "staff-10-settings", "Settings")
        page.goto("/staff/users")
        camera.shoot(page, size, "staff-11-users", "Users")
        page.goto("/staff/health")
        camera.shoot(page, size, "staff-12-health", "Portal health")
        page.goto("/staff/preview")
        camera.shoot(page, size, "staff-13-preview", "Preview as customer")
        page.goto(f"/staff/contacts/{lee.id}")
        camera.shoot(page, size, "staff-15-contact", "Lee Park")
        page.goto("/staff/")
        page.locator("header details.shop-menu > summary").click()
        expect(page.get_by_role("link", name="Customer Portal")).to_be_visible()
        camera.shoot(page, size, "staff-16-shop-menu", "Harbor Diesel Service")
        page.goto("/staff/preview")
        page.get_by_role("button", name=re.compile("Acme Logistics")).click()
        expect(page.locator(".preview-banner")).to_be_visible()
        camera.shoot(page, size, "portal-14-preview", "Acme Logistics")
        page.get_by_role("button", name="End preview").click()
        page.goto("/staff/audit-log")
        camera.shoot(page, size, "staff-14-audit-log", "Audit log")
    for size, page in sam_pages.items():
        page.goto("/help")
        camera.shoot(page, size, "portal-15-help", "Help")


    # Estimates and work orders of Birch, Sam's account now.
    waiting = make.estimate(birch, number="EST-0001", asset_id=units[1].id, lines=[
        ("Replace boom hydraulic hose (burst)", 1, 42000, False),
        ("Hydraulic oil top-up, 20 l", 1, 9600, False),
        ("Replace the other boom hoses while open", 3, 18500, True),
        ("Track tension adjustment", 1, 12000, True)],
        notes="The burst hose is the one on the left of the boom; the others are worn too.")
    make.comment(waiting, "Can you do it on site at the quarry?", contact=sam_birch)
    make.comment(waiting, "Yes: our service truck can be there on Thursday morning.",
                 staff=admin)
    decided = make.estimate(birch, number="EST-0002", asset_id=units[2].id, lines=[
        ("250-hour service", 1, 38500, False), ("Cab air filter", 1, 4900, True),
        ("Grease all pins", 1, 6000, True)])
    make.approval(decided, sam_birch, decision="partially_approved", po_number="PO-88412",
                  signed_name="Sam Rivera", ip_address="203.0.113.7",
                  user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)")
    work_order = make.work_order(birch, number="WO-0001", asset_id=units[3].id,
                                 description="Annual inspection of EX-03 at the head office.",
                                 lines=[("Annual inspection", 1, 28500),
                                        ("Shop supplies", 1, 1850)],
                                 pending=[("Replace cracked bucket tooth", 2, 11500),
                                          ("Replace worn cutting edge", 1, 36000)])
    make.comment(work_order, "The technician found these during the inspection.", staff=admin)
    for size, page in sam_pages.items():
        page.goto("/estimates")
        camera.shoot(page, size, "portal-30-estimates", "Estimates")
        page.goto(f"/estimates/{waiting.id}")
        with page.expect_response(lambda r: r.url.endswith("/total")):
            page.get_by_label("Track tension adjustment").check()
        expect(page.locator("#totals .total")).to_contain_text("$636.00")
        camera.shoot(page, size, "portal-31-estimate-waiting", re.compile("Estimate EST-0001"))
        page.goto(f"/estimates/{decided.id}")
        camera.shoot(page, size, "portal-32-estimate-receipt", re.compile("Estimate EST-0002"))
        page.goto(f"/estimates/{decided.id}/print")
        camera.shoot(page, size, "portal-33-estimate-print", re.compile("Estimate EST-0002"))
        page.goto("/work-orders")
        camera.shoot(page, size, "portal-34-work-orders", "Work orders")
        page.goto(f"/work-orders/{work_order.id}")
        camera.shoot(page, size, "portal-35-work-order", re.compile("Work order WO-0001"))
    for size, page in staff_pages.items():
        page.goto("/staff/estimates")
        camera.shoot(page, size, "staff-30-estimates", "Estimates")
        page.goto(f"/staff/estimates/{decided.id}")
        camera.shoot(page, size, "staff-31-estimate", re.compile("Estimate EST-0002"))
        page.goto(f"/staff/estimates/new?customer_id={birch.id}")
        camera.shoot(page, size, "staff-32-estimate-form", "New estimate")
        page.goto(f"/staff/estimates/{waiting.id}/edit")
        camera.shoot(page, size, "staff-33-estimate-edit", "Edit EST-0001")
        page.goto("/staff/work-orders")
        camera.shoot(page, size, "staff-34-work-orders", "Work orders")
        page.goto(f"/staff/work-orders/{work_order.id}")
        camera.shoot(page, size, "staff-35-work-order", re.compile("Work order WO-0001"))
        page.goto(f"/staff/work-orders/{work_order.id}/additional-work")
        camera.shoot(page, size, "staff-36-request-approval",
                     "Request approval for additional work")

    assert camera.count == 88
    camera.validate_html()
    problems = [p for p in camera.problems  # the printable view carries no script on purpose
                if not ("estimate-print" in p and "htmx did not load" in p)]
    assert not problems, "\n".join(problems)


def _failed_count() -> int:
    from sqlalchemy import func, select

    from portal_app.extensions import db
    from portal_app.models import OutboundEmail

    return db.session.scalar(select(func.count()).where(
        OutboundEmail.status == OutboundEmail.FAILED))
