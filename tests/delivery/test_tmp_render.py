from playwright.sync_api import sync_playwright
from issuance.models import OutboxMessage
from tests.pipeline.conftest import complete, course, drive, org, smtp  # noqa
from stand_ins.smtp import body


def test_render(smtp, course):
    course.organization.copy_manager = True
    course.organization.copy_attach_pdf = True
    course.organization.save()
    drive(complete(course, score=92, extra={"manager_email": "rui.boss@employer.example"}))
    [m] = smtp.to("rui.boss@employer.example")
    html = body(m, "html")
    open("/tmp/copy-email.html", "w").write(html)
    open("/tmp/copy-email.txt", "w").write(f"Subject: {m['Subject']}\n\n" + body(m, "plain"))
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = b.new_page(viewport={"width": 760, "height": 900})
        page.set_content(html)
        page.screenshot(path="/tmp/copy-email.png", full_page=True)
        b.close()
