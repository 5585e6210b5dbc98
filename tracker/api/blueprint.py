"""The `/api/v1` blueprint object, its upload limit and its own error answers."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.exceptions import RequestEntityTooLarge

from tracker import errors

api = Blueprint("api_v1", __name__, url_prefix="/api/v1")
errors.install_api(api)


@api.before_request
def _limit_body() -> None:
    # Flask's MAX_CONTENT_LENGTH, set for this blueprint only: the WhatsApp webhook and the
    # pages keep the app's own limit. Werkzeug raises 413 when the body is read.
    from tracker.api.state import api_state

    limit = request.max_content_length = api_state().settings.max_upload_bytes
    if request.content_length is None and request.method == "POST":
        # A streamed (chunked) body has no length to check up front, and Werkzeug stops
        # reading it at the limit without a word (get_data) or mid-part (the form parser,
        # leaving its temporary file open). Read it once here; one reaching the limit is
        # refused. The views and the form parser then read the cached bytes.
        if len(request.get_data(cache=True)) >= limit:
            raise RequestEntityTooLarge()
