"""An uploaded file kept in memory only, never past LAUREL_VERIFY_MAX_BYTES: nothing is written to disk.

Django writes a large upload to a temporary file; a file presented for verification is held in
memory instead, and the upload stops as soon as it passes the limit.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _

from .files import FileRefused

# A multipart body is the file plus its headers and boundaries.
MULTIPART_OVERHEAD = 16 * 1024


class _TooLarge(StopUpload):
    pass


def _too_large() -> FileRefused:
    """In the verify page's visitor's language (the API's: English), like every refusal in files.py."""
    return FileRefused(413, _("The file is over %(size)s MiB.") % {"size": settings.LAUREL_VERIFY_MAX_BYTES // (1024 * 1024)})


class BoundedMemoryUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer, self.size = io.BytesIO(), 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > settings.LAUREL_VERIFY_MAX_BYTES:
            self.request.verify_upload_too_large = True  # Django drops the part; say why it is missing
            raise _TooLarge(connection_reset=False)
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(self.buffer, self.field_name, self.file_name, self.content_type, file_size,
                                    self.charset, self.content_type_extra)


def upload_limit_check(request) -> None:
    """Refuse a body that says it is too large before any of it is read (FileRefused 413)."""
    declared = (request.META.get("CONTENT_LENGTH") or "").strip()
    if declared.isdigit() and int(declared) > settings.LAUREL_VERIFY_MAX_BYTES + MULTIPART_OVERHEAD:
        raise _too_large()


def upload_handlers_bound(request) -> None:
    """Call before the request's form is read: uploads are kept in memory, within the limit."""
    request.upload_handlers = [BoundedMemoryUploadHandler(request)]


def uploaded_file_bytes(request, files, *, name: str = "file") -> bytes:
    """The bytes of the uploaded part `name`; FileRefused naming what is missing or too large."""
    if getattr(request, "verify_upload_too_large", False):
        raise _too_large()
    upload = files.get(name)
    if upload is None:
        raise FileRefused(400, _("Send the file in a multipart/form-data part named '%(name)s'.") % {"name": name})
    data = upload.read(settings.LAUREL_VERIFY_MAX_BYTES + 1)
    if len(data) > settings.LAUREL_VERIFY_MAX_BYTES:
        raise _too_large()
    return data
