"""The console's Training Progress (seed 002), catalogue and products in Chromium: the tabs and
filters, Add Progress, Import Progress (analysis, downloads, Import), Delete Progress (selected rows,
then "select all"), the partner summary; the catalogue's add and edit; products with their price ids."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser.helpers import sign_in
from playwright.sync_api import Page, expect
from support.flows import create_client, register, unique_domain, wait_for_learner
from support.training import ADMIN, create_item, entry_of, progress_entries, wait_known

from trainyard_common.testing.system import System


@pytest.fixture
def learner(system: System, admin: httpx.Client) -> dict[str, str]:
    """A registered learner mapped to a partner (client), known to training-progress."""
    domain = unique_domain()
    client = create_client(admin, domain)
    with system.public() as public:
        response = register(public, f"tp-{uuid.uuid4().hex[:6]}@{domain}")
    assert response.status_code == 201, response.text
    customer = response.json()
    wait_for_learner(admin, client["id"], customer["id"])
    wait_known(admin, customer["id"], create_item(admin, "/courses")["id"])
    return {"id": customer["id"], "email": customer["email"], "client_id": client["id"], "client": client["name"]}


def test_catalogue_add_edit_and_a_product_with_its_price_id(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    tag = uuid.uuid4().hex[:6]
    sign_in(page, base)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    page.get_by_role("link", name="Add Module").click()
    page.get_by_label("Module Name").fill(f"Workshop {tag}")
    page.get_by_label("Kind").select_option("in_person")
    page.get_by_label("Event date (in person)").fill("2026-05-04")
    page.get_by_label("Place (in person)").fill("Lyon, room 2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Module added.")
    row = page.get_by_role("row").filter(has_text=f"Workshop {tag}")
    expect(row).to_contain_text("In person")
    expect(row).to_contain_text("2026-05-04")
    expect(row).to_contain_text("Lyon, room 2")

    page.get_by_role("navigation", name="Catalogue").get_by_role("link", name="Courses").click()
    page.get_by_role("link", name="Add Course").click()
    page.get_by_label("Course Name").fill(f"Course {tag}")
    page.get_by_label(f"Workshop {tag}", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Course added.")
    expect(page.get_by_role("row").filter(has_text=f"Course {tag}")).to_contain_text(f"Workshop {tag}")

    page.get_by_role("link", name=f"Edit Course {tag}").click()
    page.get_by_label("Course Name").fill(f"Course {tag} renamed")
    page.get_by_label("Active").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Course saved.")
    expect(page.get_by_role("row").filter(has_text=f"Course {tag} renamed").get_by_test_id("active")).to_have_text("No")
    listed = admin.get(f"{ADMIN}/courses", params={"search": f"Course {tag}", "include_inactive": "true"}).json()
    (course,) = listed["items"]
    assert (course["name"], course["active"]) == (f"Course {tag} renamed", False)
    module = admin.get(f"{ADMIN}/modules", params={"search": f"Workshop {tag}"}).json()["items"][0]
    assert course["module_ids"] == [module["id"]]
    assert (module["kind"], module["date"], module["place"]) == ("in_person", "2026-05-04", "Lyon, room 2")

    certification_course = create_item(admin, "/courses", name=f"Cert course {tag}")
    page.goto(f"{base}/admin/catalogue/certifications/new")
    page.get_by_label("Certification Name").fill(f"Cert {tag}")
    page.get_by_label(f"Cert course {tag}", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("row").filter(has_text=f"Cert {tag}")).to_contain_text(f"Cert course {tag}")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    page.get_by_role("link", name="Add Product").click()
    page.get_by_label("Product name").fill(f"Product {tag}")
    page.get_by_label("Training").select_option(f"course:{certification_course['id']}")
    page.get_by_label("Access (days; blank: unlimited)").fill("365")
    page.get_by_label("Amount 1").fill("49.99")
    page.get_by_role("button", name="Add Product").click()
    price_id = page.get_by_test_id("created-price-id").inner_text()
    products = admin.get(f"{ADMIN}/products", params={"limit": 500}).json()["items"]
    (product,) = [p for p in products if p["name"] == f"Product {tag}"]
    assert product["prices"][0]["price_id"] == price_id
    assert (product["prices"][0]["amount"], product["access_days"]) == ("49.99", 365)
    assert product["training_item"] == {"type": "course", "id": certification_course["id"]}
    expect(page.get_by_role("row").filter(has_text=f"Product {tag}")).to_contain_text(price_id)


def test_add_progress_then_the_tab_filters_and_the_partner_summary(
    page: Page, system: System, admin: httpx.Client, learner: dict[str, str]
) -> None:
    base = system.gateway.url
    certification = create_item(admin, "/certifications")
    sign_in(page, base)
    page.get_by_role("link", name="Training Progress").click()
    page.get_by_role("link", name="Add Progress").click()
    page.get_by_label("Training Type").select_option("certification")
    page.get_by_label("Select Module / Course / Certification").select_option(certification["id"])
    page.get_by_label("Partner").select_option(learner["client_id"])
    page.get_by_label("User (e-mail)").fill(learner["email"])
    page.locator("#completed_on").evaluate("e => e.removeAttribute('max')")  # let the API refuse it
    page.get_by_label("Completion Date").fill("2999-01-01")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#completed_on-error")).to_be_visible()  # the API's refusal, next to its field

    page.get_by_label("Completion Date").fill("2025-03-24")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Progress added.")
    expect(page.get_by_role("link", name="Certifications")).to_have_attribute("aria-current", "page")
    row = page.get_by_role("row").filter(has_text=certification["name"])
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text("2025-03-24")
    entry = entry_of(admin, "certification", learner["id"], certification["id"])
    assert entry is not None
    assert entry["status"] == "completed"

    page.get_by_label("Progress", exact=True).select_option("in_progress")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("progress-total")).to_have_text("0 entries")
    page.get_by_label("Progress", exact=True).select_option("completed")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("progress-total")).to_have_text("1 entry")

    page.get_by_role("link", name=learner["client"]).click()
    expect(page.get_by_test_id("top-certifications")).to_contain_text(certification["name"])
    expect(page.get_by_test_id("recent-activity")).to_contain_text(certification["name"])


def test_import_progress_with_every_error_kind_download_the_errors_then_import(
    page: Page, system: System, admin: httpx.Client, learner: dict[str, str], tmp_path: Path
) -> None:
    base = system.gateway.url
    module = create_item(admin, "/modules")
    done = create_item(admin, "/courses")
    email = learner["email"]
    completed = {"training_type": "course", "item_id": done["id"], "customer_id": learner["id"]}
    assert admin.post(f"{ADMIN}/training-progress", json={**completed, "completed_on": "2025-01-02"}).status_code == 201
    rows = [
        [email, "module", module["name"], "2025-03-24"],  # new
        [email, "course", done["name"], "2025-03-24"],  # already completed
        ["", "module", module["name"], "2025-03-24"],  # no email
        [email, "lesson", module["name"], "2025-03-24"],  # unknown type
        [email, "module", "", "2025-03-24"],  # no name
        [email, "module", module["name"], "24/03/2025"],  # bad date format
        [email, "module", module["name"], "2025-02-30"],  # no such day
        [email, "module", module["name"], "2999-01-01"],  # future
        [f"nobody-{uuid.uuid4().hex[:6]}@example.com", "module", module["name"], "2025-03-24"],  # unknown e-mail
        [email, "module", f"No such {uuid.uuid4().hex[:6]}", "2025-03-24"],  # unknown item
        [email, "module", module["name"], "2025-03-25"],  # duplicate of row 2
    ]
    upload = tmp_path / "progress.csv"
    with upload.open("w", newline="") as f:
        csv.writer(f).writerows([["Email", "Training Type", "Name", "Date (yyyy-mm-dd)"], *rows])

    sign_in(page, base)
    page.goto(f"{base}/admin/training-progress")
    page.get_by_role("link", name="Import Progress").click()
    with page.expect_download() as template:
        page.get_by_role("link", name="Download a template").click()
    header = Path(template.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "Email,Training Type,Name,Date (yyyy-mm-dd)"

    page.get_by_label("Select File").set_input_files(upload)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Import Training Progress")).to_be_visible()
    expect(page.get_by_test_id("count-new")).to_have_text("1")
    expect(page.get_by_test_id("count-already-completed")).to_have_text("1")
    expect(page.get_by_test_id("count-errors")).to_have_text("9")

    with page.expect_download() as errors_file:
        page.get_by_role("link", name="Download Errors").click()
    errors = list(csv.reader(io.StringIO(Path(errors_file.value.path()).read_text(encoding="utf-8-sig"))))
    reasons = " | ".join(row[4] for row in errors[1:])
    assert len(errors) == 10, errors
    for expected in (
        "email is missing",
        "Unknown training type",
        "name is missing",
        "Bad date format",
        "no such day",
        "in the future",
        "Unknown email",
        "No module named",
        "Duplicate of row 2",
    ):
        assert expected in reasons, reasons
    with page.expect_download() as new_file:
        page.get_by_role("link", name="Download New").click()
    assert module["name"] in Path(new_file.value.path()).read_text(encoding="utf-8-sig")

    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Import complete: 1 completion imported.")
    entry = entry_of(admin, "module", learner["id"], module["id"])
    assert entry is not None
    assert entry["completed_at"].startswith("2025-03-24")


def test_delete_selected_progress_then_all_the_filter_matched(
    page: Page, system: System, admin: httpx.Client, learner: dict[str, str]
) -> None:
    base = system.gateway.url
    modules = [create_item(admin, "/modules", name=f"Del {uuid.uuid4().hex[:6]} {i}") for i in range(3)]
    for m in modules:
        body = {
            "training_type": "module",
            "item_id": m["id"],
            "customer_id": learner["id"],
            "completed_on": "2025-01-03",
        }
        assert admin.post(f"{ADMIN}/training-progress", json=body).status_code == 201

    sign_in(page, base)
    page.goto(f"{base}/admin/training-progress?type=module&user={learner['email']}")
    expect(page.get_by_test_id("progress-total")).to_have_text("3 entries")
    page.get_by_role("row").filter(has_text=modules[0]["name"]).get_by_role("checkbox").check()
    page.get_by_role("button", name="Delete Progress").click()
    expect(page.get_by_test_id("delete-summary")).to_have_text("Delete the 1 selected progress entry?")
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("1 progress entry deleted.")
    expect(page.get_by_test_id("progress-total")).to_have_text("2 entries")
    assert entry_of(admin, "module", learner["id"], modules[0]["id"]) is None

    page.get_by_label("Select all 2 entries the filter matches").check()
    page.get_by_role("button", name="Delete Progress").click()
    expect(page.get_by_test_id("delete-summary")).to_contain_text("Delete all 2 modules progress entries")
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("2 progress entries deleted.")
    expect(page.get_by_test_id("progress-total")).to_have_text("0 entries")
    assert progress_entries(admin, "module", user=learner["email"]) == []


def test_select_all_refuses_when_the_matches_changed_since_the_admin_saw_them(
    page: Page, system: System, admin: httpx.Client, learner: dict[str, str]
) -> None:
    base = system.gateway.url
    module = create_item(admin, "/modules")
    body: dict[str, Any] = {"training_type": "module", "item_id": module["id"], "customer_id": learner["id"]}
    assert admin.post(f"{ADMIN}/training-progress", json={**body, "completed_on": "2025-01-03"}).status_code == 201
    sign_in(page, base)
    page.goto(f"{base}/admin/training-progress?type=module&user={learner['email']}")
    page.get_by_label("Select all 1 entries the filter matches").check()
    page.get_by_role("button", name="Delete Progress").click()
    other = create_item(admin, "/modules")
    assert (
        admin.post(
            f"{ADMIN}/training-progress", json={**body, "item_id": other["id"], "completed_on": "2025-01-03"}
        ).status_code
        == 201
    )
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert len(progress_entries(admin, "module", user=learner["email"])) == 2


def test_a_viewer_sees_no_write_controls_in_training_and_catalogue(
    page: Page, system: System, viewer: tuple[str, str]
) -> None:
    base = system.gateway.url
    sign_in(page, base, *viewer)
    page.goto(f"{base}/admin/training-progress")
    expect(page.get_by_role("heading", name="Training Progress")).to_be_visible()
    for name in ("Add Progress", "Import Progress"):
        expect(page.get_by_role("link", name=name)).to_have_count(0)
    expect(page.get_by_role("button", name="Delete Progress")).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)
    page.goto(f"{base}/admin/catalogue/modules")
    expect(page.get_by_role("link", name="Add Module")).to_have_count(0)
    expect(page.locator("a[href$='/edit']")).to_have_count(0)
    page.goto(f"{base}/admin/products")
    expect(page.get_by_role("link", name="Add Product")).to_have_count(0)
