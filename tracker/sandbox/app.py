"""Flask app factory of the sandbox: Graph API routes, admin routes and the chat page.

Graph routes (Meta's contract):
    POST /{version}/{phone_number_id}/messages   send, or mark as read
    POST /{version}/{phone_number_id}/media      multipart upload -> {"id": media_id}
Admin routes (sandbox only):
    GET  /_sandbox/messages?to=PHONE    messages the business sent (to one number or user id)
    GET  /_sandbox/conversation?phone=  both directions, for the chat page (inbound messages
                                        carry `read_count`, the business's mark-as-read calls)
    GET  /_sandbox/media/MEDIA_ID       the bytes of an uploaded file, with its type and name
    POST /_sandbox/inbound              {"from", "text"|"button"|"message", "context_id"?,
                                         "timestamp"?, "name"?}: a contact's phone writes;
                                        "from" a user id (US.1349…) plays a user known only
                                        by a username; "button" is {"id","title"} or a
                                        template quick reply's payload
    GET|POST /_sandbox/faults           {"error_5xx_share", "rate_limit_share", "latency_ms"}
    GET  /_sandbox/deliveries           webhook delivery attempts
    POST /_sandbox/reset                forget everything, restore configured faults
    GET  /_sandbox/chat?phone=PHONE     a page playing that contact's phone
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Flask, Response, jsonify, request

from tracker.sandbox.chat_page import render_chat
from tracker.sandbox.cloud_rules import CloudApiRefusal, address
from tracker.sandbox.config import Faults, SandboxConfig
from tracker.sandbox.service import Sandbox
from tracker.sandbox.views import inbound_view, outbound_view

EXTENSION = "whatsapp_sandbox"


def create_sandbox_app(config: SandboxConfig | None = None) -> Flask:
    """Build the sandbox app; its `Sandbox` is at `app.extensions["whatsapp_sandbox"]`."""
    app = Flask(__name__)
    sandbox = Sandbox(config or SandboxConfig.from_env())
    app.extensions[EXTENSION] = sandbox

    @app.errorhandler(CloudApiRefusal)
    def refused(error: CloudApiRefusal) -> tuple[Response, int]:
        return jsonify(error.body), error.http_status

    _graph_routes(app, sandbox)
    _admin_routes(app, sandbox)
    return app


def _graph_routes(app: Flask, sandbox: Sandbox) -> None:
    @app.post("/<version>/<phone_number_id>/messages")
    def messages(version: str, phone_number_id: str) -> tuple[Response, int]:
        sandbox.graph_call(version, phone_number_id, request.headers.get("Authorization"))
        body, status = sandbox.send(request.get_json(silent=True))
        return jsonify(body), status

    @app.post("/<version>/<phone_number_id>/media")
    def media(version: str, phone_number_id: str) -> tuple[Response, int]:
        sandbox.graph_call(version, phone_number_id, request.headers.get("Authorization"))
        upload = request.files.get("file")
        file = None
        if upload is not None:
            file = (upload.filename or "file", upload.read(), upload.mimetype)
        body, status = sandbox.upload(request.form.to_dict(), file)
        return jsonify(body), status


def _admin_routes(app: Flask, sandbox: Sandbox) -> None:
    @app.get("/_sandbox/messages")
    def sent_messages() -> Response:
        to = request.args.get("to")
        records = sandbox.state.outbound_to(address(to) if to else None)
        return jsonify([outbound_view(r, sandbox.config) for r in records])

    @app.get("/_sandbox/conversation")
    def conversation() -> Response:
        phone = address(request.args.get("phone", ""))
        items = [outbound_view(r, sandbox.config) for r in sandbox.state.outbound_to(phone)]
        reads = sandbox.state.read_count
        items += [inbound_view(r, reads(r.message_id)) for r in sandbox.state.inbound_from(phone)]
        return jsonify(sorted(items, key=lambda m: m["seq"]))

    @app.get("/_sandbox/media/<media_id>")
    def uploaded_media(media_id: str) -> tuple[Response, int]:
        stored = sandbox.state.media(media_id)
        if stored is None:
            return jsonify({"error": f"no media {media_id}"}), 404
        response = Response(stored.content, mimetype=stored.mime_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
        return response, 200

    @app.post("/_sandbox/inbound")
    def inbound() -> tuple[Response, int]:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return jsonify({"error": "JSON object expected"}), 400
        body, status = sandbox.inject_inbound(data)
        return jsonify(body), status

    @app.route("/_sandbox/faults", methods=["GET", "POST"])
    def faults() -> tuple[Response, int]:
        if request.method == "POST":
            data = request.get_json(silent=True)
            try:
                sandbox.state.set_faults(
                    Faults.from_mapping(data if isinstance(data, dict) else {})
                )
            except ValueError as exc:
                return jsonify({"error": str(exc)}), 400
        return jsonify(asdict(sandbox.state.faults)), 200

    @app.get("/_sandbox/deliveries")
    def deliveries() -> Response:
        return jsonify([asdict(a) for a in sandbox.deliverer.attempts()])

    @app.post("/_sandbox/reset")
    def reset() -> tuple[Response, int]:
        sandbox.reset()
        return jsonify({"reset": True}), 200

    @app.get("/_sandbox/chat")
    def chat() -> Response:
        page = render_chat(request.args.get("phone", ""))
        return Response(page, mimetype="text/html")
