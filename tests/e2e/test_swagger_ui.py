"""A newcomer's first ten minutes: Swagger UI's "Try it out", driven in a real headless browser (Debian's
chromium through Playwright), answers 200 with a token, because the served document names a server
where its paths answer."""

import json
import shutil

from playwright.sync_api import sync_playwright

from package_service.api_examples import DEMO_TOKEN

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_served_document_names_a_server_where_its_paths_answer(base_url: str) -> None:
    import httpx

    document = httpx.get(f"{base_url}/swagger?format=json").json()
    assert [server["url"] for server in document["servers"]] == ["/"]


def test_try_it_out_answers_200(base_url: str) -> None:
    assert CHROMIUM, "chromium is required (make test installs Debian's chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{base_url}/swagger", wait_until="networkidle")
            # Authorize with the demo tenant's token (the document's examples use its records).
            page.click("button.authorize")
            page.fill(".modal-ux input[type=text], .modal-ux input[type=password]", DEMO_TOKEN)
            page.click(".modal-ux button.authorize")
            page.click(".modal-ux button.btn-done")
            # POST /v1/packages/get, its example body as given.
            operation = page.locator(".opblock-post", has_text="/v1/packages/get").first
            operation.locator(".opblock-summary").click()
            operation.locator("button.try-out__btn").click()
            operation.locator("button.execute").click()
            cell = operation.locator(".live-responses-table tbody .response-col_status").first
            cell.wait_for(timeout=15000)
            status = cell.inner_text().strip()
            body = operation.locator(".live-responses-table .microlight").first.inner_text()
        finally:
            browser.close()
    assert status.startswith("200"), (status, body)
    assert json.loads(body)["data"]["name"] == "Starter plan"
