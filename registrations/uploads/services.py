"""An upload's life: received → checked (the preview) → registered when the installer
confirms (or refused, cancelled, failed), through the same register_devices() as the form.

Every row gets an answer; a file that cannot be read changes nothing and says why.
"""

import hashlib
import logging
from dataclasses import dataclass
from itertools import islice
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cashback.bulk import check_deferred_constraints, cycle_collection_paused
from cashback.errors import DomainError, Message, as_message_data
from cashback.formatting import quoted
from cashback.models import Job
from cashback.queue import enqueue, heartbeat
from cashback.spreadsheets import FileRefused, Limits, check_size, detect_format

from ..core import registering
from ..core.choices import RowResult, Source, SystemJob
from ..core.errors import InvalidTransition
from ..core.rows import count_kinds, outcome_kind
from ..core.wording import describe_reason
from .columns import column_titles
from .models import Upload
from .reading import SheetRow, cell_text, dump_sheet, load_sheet, local_path, read_upload
from .results import write_result_workbook
from .selectors import needs_worker, progress_key

log = logging.getLogger(__name__)

PROBLEMS_SHOWN = 1000
# The worker's jobs for large uploads (registrations.uploads.tasks), by their fixed names.
CHECK_UPLOAD = "registrations.tasks.check_upload"
REGISTER_UPLOAD = "registrations.tasks.register_upload"
# Busy this long without a job working on it: its web process died (fail_abandoned).
ABANDONED_AFTER = timedelta(hours=1)


@dataclass(slots=True)
class RowAnswer:
    row: SheetRow
    kind: RowResult
    outcome: registering.RowOutcome | None = None
    error: DomainError | None = None

    @property
    def message(self):
        """Written when read, in the active language: a preview shows only the first problems,
        and most of 100,000 rows never need their message until the result workbook."""
        if self.error is not None:
            column = column_titles().get(self.error.field) if self.kind == RowResult.INVALID else None
            return f"{column}: {self.error.message}" if column else str(self.error.message)
        outcome = self.outcome
        decision, clean = outcome.decision, outcome.clean
        return describe_reason(
            decision.reason, decision.params, serial=clean.serial, product_code=clean.product.code,
            campaign_name=outcome.campaign.name, amount_cents=decision.amount_cents, due_at=outcome.documents_due_at,
        )


def decide_rows(upload, progress=None, sheet=None):
    """What every row of the stored file would become, writing nothing (the preview). One
    RowAnswer per data row, in the file's order."""
    return _answers(upload, sheet or sheet_rows(upload), registering.decide_devices, progress)


def register_rows(upload, progress=None):
    """Register every row of the stored file in one transaction; one RowAnswer per data row."""
    return _answers(upload, sheet_rows(upload), registering.register_devices, progress)


def sheet_rows(upload):
    """The rows as the check read them, when it kept them (a checked upload), else read from the
    file: confirming registers the rows the preview showed and does not parse the file again.
    Every row is decided again either way."""
    if upload.rows_file:
        with upload.rows_file.open("rb") as stored:
            return load_sheet(stored.read())
    return read_upload(upload)


def _answers(upload, sheet, decide, progress):
    devices = [row for row in sheet if row.device is not None]
    outcomes = decide(
        company=upload.company, rows=[row.device for row in devices], source=Source.EXCEL, user=upload.uploaded_by,
        job=SystemJob.STAFF_IMPORT if upload.on_behalf else "", progress=progress,
    )
    decided = dict(zip((row.number for row in devices), outcomes))
    return [_answer(row, decided.get(row.number)) for row in sheet]


def _answer(row, outcome):
    error = row.error or (outcome.error if outcome else None)
    return RowAnswer(row, outcome_kind(outcome, error), outcome, error)


def count_outcomes(answers):
    return count_kinds(answer.kind for answer in answers)


def problems(answers):
    """The rows the preview lists, each message in every language: the page is read in the
    reader's language, which need not be the one the file was uploaded in."""
    listed = list(islice((answer for answer in answers if answer.kind != RowResult.REGISTERED), PROBLEMS_SHOWN))
    in_language = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):  # once per language, not per row and language
            in_language[language] = [answer.message for answer in listed]
    shown = []
    for index, answer in enumerate(listed):
        device, raw = answer.row.device, answer.row.raw
        shown.append({
            "row": answer.row.number,
            "serial": quoted(device.serial if device else cell_text(raw.get("serial"))),
            "product": quoted(device.product_code if device else cell_text(raw.get("product"))),
            "kind": answer.kind.value,
            "message": answer.message,  # in the upload's language, as the result workbook
            "messages": {language: messages[index] for language, messages in in_language.items()},
        })
    return shown


# The upload's life: received -> checked -> registered (or refused, cancelled, failed) -----


def receive(*, company, uploaded_file, user=None, on_behalf=False, language=None):
    """Store the file (it is evidence) and check what it is before anything reads it."""
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    upload = Upload(
        company=company,
        uploaded_by=user if user is not None and user.is_authenticated else None,
        on_behalf=on_behalf,
        original_name=(uploaded_file.name or "upload")[-255:],
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
    )
    upload.file.save(uploaded_file.name or "upload", uploaded_file, save=False)
    try:
        with local_path(upload) as path:
            upload.file_format = detect_format(path)
            check_size(path, upload.size, upload.file_format, _limits())
    except FileRefused as refusal:
        upload.state = Upload.State.REFUSED
        with translation.override(upload.language):
            upload.error = str(refusal.message)
        upload.error_data = as_message_data(refusal.message)
    upload.save()
    return upload


def receive_and_check(*, company, uploaded_file, user, language):
    """The upload page: the file is stored, then checked here when it is small, by the worker
    when it is large. The worker's job is written with the upload, so it is never forgotten,
    and waits for the broker if the broker is down."""
    with transaction.atomic():
        upload = receive(company=company, uploaded_file=uploaded_file, user=user, language=language)
        in_worker = upload.state == Upload.State.CHECKING and _check_in_worker(upload)
    if upload.state == Upload.State.CHECKING and not in_worker:
        preview_upload(upload)
    return upload


def _check_in_worker(upload):
    """True, with the worker's job written (in the caller's transaction), for a large file;
    False for a small one, which the caller checks after its transaction."""
    if not needs_worker(upload):
        return False
    enqueue(CHECK_UPLOAD, upload.pk)
    return True


def try_again(upload, *, user):
    """A check or registration that failed (the worker stopped, or an error) starts over from the
    check: the file is read again and a new preview asks for confirmation."""
    with transaction.atomic():
        current = Upload.objects.select_for_update().get(pk=upload.pk)
        if current.state != Upload.State.FAILED:
            raise InvalidTransition(_("Only a failed upload can be tried again."))
        current.state, current.error, current.error_data, current.checked_at = Upload.State.CHECKING, "", {}, None
        current.check_counts, current.problems = {}, []
        current.save(update_fields=["state", "error", "error_data", "checked_at", "check_counts", "problems"])
        in_worker = _check_in_worker(current)
    if not in_worker:
        preview_upload(current)
    return current


def give_up(upload_id):
    """The worker stopped while it checked or registered this upload, time and again (it was
    killed, or ran out of memory): nothing was registered, and the page offers to try again."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().filter(pk=upload_id).first()
        if upload is None or not upload.busy:
            return
        _finish(upload, Upload.State.FAILED, error=gettext_lazy(
            "Work on this file stopped unexpectedly, so nothing was registered. Try again; if it stops again, "
            "the campaign team can see why."))


def preview_upload(upload):
    """The preview: decide every row without writing; the upload becomes CHECKED or REFUSED."""
    _require_state(upload, Upload.State.CHECKING)
    with translation.override(upload.language):
        try:
            rows, counts, shown, rows_file = _check(upload)
        except FileRefused as refusal:
            _finish_if(upload, Upload.State.CHECKING, Upload.State.REFUSED, error=refusal.message)
            return upload
        except Exception:
            log.exception("Checking upload %s failed", upload.pk)
            _finish_if(upload, Upload.State.CHECKING, Upload.State.FAILED,
                       error=gettext_lazy("Something went wrong while checking the file."))
            return upload
        if not _finish_if(
            upload, Upload.State.CHECKING, Upload.State.CHECKED, rows=rows, rows_file=rows_file,
            check_counts=counts, problems=shown, checked_at=timezone.now(),
        ):
            upload.rows_file.storage.delete(rows_file)  # another run finished it; this copy is nobody's
    return upload


@cycle_collection_paused()
def _check(upload):
    """(rows, counts, the problems shown, the stored name of the rows as read): every row read
    and decided, and the rows kept for the confirmation. The rows and answers are freed on
    return, before the cycle collector resumes."""
    sheet = read_upload(upload)
    answers = decide_rows(upload, progress=_progress(upload, "checking"), sheet=sheet)
    return len(answers), count_outcomes(answers), problems(answers), _keep_rows(upload, sheet)


def _keep_rows(upload, sheet):
    """Store the rows as read; the stored name."""
    field = upload.rows_file
    return field.storage.save(field.field.generate_filename(upload, "rows.json.gz"), ContentFile(dump_sheet(sheet)))


def start_import(upload, *, user, in_worker=False):
    """The installer confirms the preview; registering starts, by the worker when `in_worker`
    (its job written with the confirmation) or by the caller, who goes on with register_upload()."""
    started = False
    with transaction.atomic():
        current = Upload.objects.select_for_update().get(pk=upload.pk)
        if current.state == Upload.State.CHECKED and _waited_too_long(current, timezone.now()):
            _expire(current)  # the hourly job had not come round yet; the expiry is kept
        elif current.state == Upload.State.CHECKED:
            current.state, started = Upload.State.IMPORTING, True
            current.save(update_fields=["state"])
            if in_worker:
                enqueue(REGISTER_UPLOAD, current.pk)
    if current.state == Upload.State.EXPIRED:
        raise InvalidTransition(current.error_message)
    if not started:
        raise InvalidTransition(_("This upload was already registered or cancelled."))
    upload.state = Upload.State.IMPORTING
    return upload


def register_upload(upload):
    """Register every row and write the result workbook, in one transaction.

    A crash half-way leaves no registration behind: the transaction is rolled back and the
    upload is marked failed (the installer can try again); a worker killed half-way leaves it
    importing for the next run. The result workbook is stored before the commit, so a
    registered upload always has one. Two runs of one upload (a message delivered twice) take
    turns on the upload's row; the second finds it registered and does nothing.
    """
    _require_state(upload, Upload.State.IMPORTING)
    with translation.override(upload.language):
        try:
            with transaction.atomic():
                if Upload.objects.select_for_update().get(pk=upload.pk).state != Upload.State.IMPORTING:
                    upload.refresh_from_db()
                    return upload
                rows, counts = _register_and_write(upload)
                _finish(upload, Upload.State.IMPORTED, result_counts=counts, imported_at=timezone.now(), rows=rows)
        except FileRefused as refusal:
            _finish_if(upload, Upload.State.IMPORTING, Upload.State.REFUSED, error=refusal.message)
        except OperationalError:
            raise  # the database, not the file (a lock it waited for): the job runs again
        except Exception:
            log.exception("Registering upload %s failed", upload.pk)
            _finish_if(upload, Upload.State.IMPORTING, Upload.State.FAILED, error=gettext_lazy(
                "Something went wrong while registering; nothing was registered. Try again, or upload the file "
                "again."))
    return upload


@cycle_collection_paused()
def _register_and_write(upload):
    """(rows, counts): every row registered and the result workbook stored. The rows and their
    answers are freed on return, before the cycle collector resumes."""
    answers = register_rows(upload, progress=_progress(upload, "importing"))
    write_result_workbook(upload, answers, meanwhile=check_deferred_constraints)
    return len(answers), count_outcomes(answers)


def fail_abandoned(now=None):
    """Uploads still being checked or registered an hour on with no job working on them: small
    files are checked and registered in the web request, and a web process that died there
    leaves them busy for good. They fail with the message that offers Try again (hourly, by
    beat, with the expiry). A registering transaction holds the upload's row, so this never
    fails one that is still running."""
    before = (now or timezone.now()) - ABANDONED_AFTER
    busy = Upload.objects.filter(Q(state=Upload.State.CHECKING, created_at__lt=before)
                                 | Q(state=Upload.State.IMPORTING, checked_at__lt=before))
    working = Job.objects.filter(task__in=[CHECK_UPLOAD, REGISTER_UPLOAD]).exclude(
        state__in=[Job.State.DONE, Job.State.FAILED])
    working_on = {job.args[0] for job in working if job.args}
    abandoned = [pk for pk in busy.values_list("pk", flat=True) if pk not in working_on]
    for pk in abandoned:
        give_up(pk)
    return len(abandoned)


def expire_unconfirmed(now=None):
    """Previews nobody confirmed within UPLOAD_CONFIRM_HOURS expire, with a note on the upload
    (hourly, by beat): the file is evidence and stays; registering it means uploading it again,
    checked against what has been registered since."""
    now = now or timezone.now()
    count = 0
    for upload in Upload.objects.filter(state=Upload.State.CHECKED, checked_at__lt=_confirm_by(now)):
        count += _expire(upload)
    return count


def expire_if_stale(upload):
    """The preview's page, opened after its time: expired now rather than at the next hourly run."""
    if upload.state == Upload.State.CHECKED and _waited_too_long(upload, timezone.now()):
        _expire(upload)
    return upload


def confirm_until(upload):
    """The moment until which the preview can be confirmed."""
    return upload.checked_at + timedelta(hours=settings.UPLOAD_CONFIRM_HOURS) if upload.checked_at else None


def _confirm_by(now):
    return now - timedelta(hours=settings.UPLOAD_CONFIRM_HOURS)


def _waited_too_long(upload, now):
    return upload.checked_at is not None and upload.checked_at < _confirm_by(now)


def _expire(upload):
    """True if this call expired the preview (nobody confirmed or expired it meanwhile)."""
    return _finish_if(upload, Upload.State.CHECKED, Upload.State.EXPIRED, error=Message(gettext_lazy(
        "This preview was not confirmed within %(hours)s hours, so nothing was registered. Upload the file again "
        "to register it."), hours=settings.UPLOAD_CONFIRM_HOURS))


def cancel_upload(upload):
    with transaction.atomic():
        current = Upload.objects.select_for_update().get(pk=upload.pk)
        if current.state != Upload.State.CHECKED:
            raise InvalidTransition(_("This upload was already registered or cancelled."))
        current.state = Upload.State.CANCELLED
        _drop_rows(current)
        current.save(update_fields=["state", "rows_file"])
    return current


def _progress(upload, phase):
    key = progress_key(upload.pk)
    _tell(key, {"phase": phase, "done": 0, "total": upload.rows})

    def report(done, total):
        # The cache, never the database: the registering transaction is still open, and on
        # PostgreSQL its connection is busy with the COPY of the rows being decided.
        _tell(key, {"phase": phase, "done": done, "total": total})
        heartbeat()

    return report


def _tell(key, progress):
    try:
        cache.set(key, progress, 3600)
    except Exception as error:  # noqa: BLE001 - a cache that is down costs the progress bar only
        log.warning("Upload progress not stored: %s", error)


def _finish_if(upload, expected, state, **fields):
    """_finish() only if the upload is still `expected` (True when it was): a second run of the
    same job (a copy delivered twice, a worker thought dead) never undoes what the first one
    finished, nor does the hourly expiry undo a confirmation."""
    with transaction.atomic():
        if Upload.objects.select_for_update().get(pk=upload.pk).state != expected:
            upload.refresh_from_db()
            return False
        _finish(upload, state, **fields)
        return True


def _finish(upload, state, error=None, **fields):
    # `error` in the upload's language (the admin, the command), `error_data` for each reader.
    if error is not None:
        with translation.override(upload.language):
            fields["error"], fields["error_data"] = str(error), as_message_data(error)
    upload.state = state
    for name, value in fields.items():
        setattr(upload, name, value)
    if state != Upload.State.CHECKED and upload.rows_file:
        _drop_rows(upload)
        fields["rows_file"] = ""
    upload.save(update_fields=["state", *fields])
    try:
        cache.delete(progress_key(upload.pk))
    except Exception as error:  # noqa: BLE001 - the progress expires by itself
        log.warning("Upload progress not cleared: %s", error)
    return upload


def _drop_rows(upload):
    """The rows as read are of no use once the upload is finished: removed after the commit
    (a rollback keeps them with the upload)."""
    name, storage = upload.rows_file.name, upload.rows_file.storage
    upload.rows_file = ""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _require_state(upload, state):
    if upload.state != state:
        raise InvalidTransition(f"upload {upload.pk} is {upload.state}, expected {state}")


def _limits():
    return Limits(
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_uncompressed_bytes=settings.UPLOAD_MAX_UNCOMPRESSED_BYTES,
        max_compression_ratio=settings.UPLOAD_MAX_COMPRESSION_RATIO,
    )
