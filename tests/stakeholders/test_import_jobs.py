"""Admin imports run on the worker: progress, a report of the rows, all or nothing, once."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from contactpoint import roles
from contactpoint.models import AuditEntry
from stakeholders import import_jobs
from stakeholders.models import ImportJob, Organisation
from tests.factories import OrganisationFactory, UserFactory, valid_vat_number, with_totp
from tests.fixtures.celery_worker import wait_for


def sign_in_manager(client):
    user = UserFactory(role=roles.ACCOUNT_MANAGER)
    with_totp(user)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def organisations_csv(n: int, *, start: int = 0) -> bytes:
    lines = ["kind,legal_name,vat_number"]
    lines += [
        f"company,Impresa Lotto {i} S.r.l.,{valid_vat_number(20_000 + i)}"
        for i in range(start, start + n)
    ]
    return ("\n".join(lines) + "\n").encode()


def confirm_upload(client, content: bytes, name: str = "lotto.csv"):
    preview = client.post(
        reverse("admin:stakeholders_organisation_import"),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert preview.status_code == 200 and preview.context["preview"].is_valid
    return client.post(
        reverse("admin:stakeholders_organisation_import_confirm"),
        {"confirm": preview.context["confirm_token"]},
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_imports_the_file_with_progress_and_a_report(client, celery_worker_process):
    manager = sign_in_manager(client)
    response = confirm_upload(client, organisations_csv(120))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.created_by == manager

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<progress" in html and "htmx" in html

    done = wait_for(
        lambda: ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.DONE).first(),
        timeout=60,
    )
    assert Organisation.objects.count() == 120
    assert done.percent == 100 and done.counts["create"] == 120
    assert done.processed_rows == done.total_rows == 120
    assert AuditEntry.objects.filter(action="stakeholders.organisation.imported").count() == 1

    fragment = client.get(reverse("admin:stakeholders_importjob_progress", args=[job.pk]))
    assert "hx-trigger" not in fragment.content.decode()  # finished: polling stops
    assert "120 created" in fragment.content.decode()
    report = client.get(reverse("admin:stakeholders_importjob_report", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "outcome", "id", "errors"]
    assert len(rows) == 121
    assert {row[1] for row in rows[1:]} == {"create"}
    assert {int(row[2]) for row in rows[1:]} == set(
        Organisation.objects.values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_a_running_job_shows_its_progress_and_polls(client):
    sign_in_manager(client)
    job = import_jobs.start_import(
        kind="organisations", content=organisations_csv(3), filename="x.csv", actor=None
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, total_rows=200, processed_rows=50
    )
    fragment = client.get(reverse("admin:stakeholders_importjob_progress", args=[job.pk]))
    html = fragment.content.decode()
    assert 'value="25"' in html and "hx-trigger" in html
    assert "50 of 200 rows written" in html


@pytest.mark.django_db
def test_a_job_runs_once_whatever_the_deliveries():
    job = import_jobs.start_import(
        kind="organisations", content=organisations_csv(5), filename="x.csv", actor=None
    )
    assert import_jobs.run_import(job_id=job.pk).status == ImportJob.Status.DONE
    assert import_jobs.run_import(job_id=job.pk) is None
    assert Organisation.objects.count() == 5


@pytest.mark.django_db
def test_a_failure_midway_leaves_nothing_written_and_says_why():
    job = import_jobs.start_import(
        kind="organisations", content=organisations_csv(30), filename="x.csv", actor=None
    )
    # The database itself refuses row 26 (the 25th organisation), after 24 were inserted.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_lotto_24() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_lotto_24 BEFORE INSERT ON stakeholders_organisation "
            "FOR EACH ROW WHEN (NEW.legal_name = 'Impresa Lotto 24 S.r.l.') "
            "EXECUTE FUNCTION refuse_lotto_24()"
        )

    job = import_jobs.run_import(job_id=job.pk)

    assert job.status == ImportJob.Status.FAILED
    assert "nothing was imported" in job.error
    assert not Organisation.objects.exists()
    assert not AuditEntry.objects.filter(action="stakeholders.organisation.created").exists()


@pytest.mark.django_db
def test_a_file_invalid_at_run_time_fails_with_the_rows_errors():
    content = b"organisation_tax_code,first_name,last_name,email\n"
    organisation = OrganisationFactory(tax_code=valid_vat_number(20_500))
    content += f"{valid_vat_number(20_500)},Mario,Rossi,mario@esempio.it\n".encode()
    job = import_jobs.start_import(kind="contacts", content=content, filename="c.csv", actor=None)
    organisation.delete()  # gone between the check and the run

    job = import_jobs.run_import(job_id=job.pk)

    assert job.status == ImportJob.Status.FAILED
    assert job.outcomes[0]["action"] == "error" and job.outcomes[0]["errors"]
    assert "organisation" in import_jobs.report_csv(job).decode("utf-8-sig")


@pytest.mark.django_db
def test_an_unreadable_upload_fails_the_job_without_writing():
    job = import_jobs.start_import(
        kind="organisations", content=b"\xff\xfe\x00garbage", filename="x.csv", actor=None
    )
    job = import_jobs.run_import(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_staff_without_import_rights_cannot_read_jobs(client):
    job = import_jobs.start_import(
        kind="organisations", content=organisations_csv(1), filename="x.csv", actor=None
    )
    user = UserFactory(role=roles.CABINET)
    with_totp(user)
    client.force_login(user)
    for name in ("progress", "report"):
        url = reverse(f"admin:stakeholders_importjob_{name}", args=[job.pk])
        assert client.get(url).status_code == 403


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_job_page_follows_the_worker_without_reloading(
    live_server, page, celery_worker_process, tmp_path
):
    from django.test import Client

    manager = UserFactory(role=roles.ACCOUNT_MANAGER)
    with_totp(manager)
    signed_in = Client()
    signed_in.force_login(manager)
    page.context.add_cookies(
        [
            {"name": name, "value": value, "url": live_server.url}
            for name, value in (
                (
                    settings.SESSION_COOKIE_NAME,
                    signed_in.cookies[settings.SESSION_COOKIE_NAME].value,
                ),
                (settings.LANGUAGE_COOKIE_NAME, "en"),
            )
        ]
    )
    upload = tmp_path / "lotto.csv"
    upload.write_bytes(organisations_csv(80, start=500))

    page.goto(f"{live_server.url}{reverse('admin:stakeholders_organisation_import')}")
    page.set_input_files("input[type=file]", str(upload))
    page.click("input[type=submit][value='Preview the import']")
    page.click("input[type=submit][value='Import now']")

    page.wait_for_url("**/admin/stakeholders/importjob/**")
    progress = page.locator(".import-job progress")
    assert progress.count() == 1
    url_before = page.url
    page.locator(".import-job").get_by_text("80 created").wait_for(timeout=60_000)
    assert page.url == url_before  # updated in place by polling, not reloaded
    assert progress.get_attribute("value") == "100"
    assert Organisation.objects.count() == 80
    with page.expect_download() as download:
        page.click("text=Download the report of the rows (CSV)")
    assert download.value.suggested_filename.startswith("import-report-")
    assert page.console_errors == []
