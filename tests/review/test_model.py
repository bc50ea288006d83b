"""The optional model endpoint: off by default; what it returns is shown only if it is in the document."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tests.public.factories import make_document, make_file, make_registry

from dokreg.review.detect import document_candidates
from dokreg.review.model import ModelUnavailable, model_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def doc():
    doc = make_document(make_registry(), title="Avaldus", correspondent="Eraisik")
    make_file(
        doc, name="a.txt", kind="txt", text="Kirjutan naabri Tiit Ojaga seoses. Tiit Oja elab meie kõrval."
    )
    return doc


@pytest.fixture
def endpoint():
    asked: list[dict] = []
    answer = {"content": '["Tiit Oja", "Olematu Isik", 42, "Tiit Oja"]', "status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the stdlib's name
            asked.append(
                {"path": self.path, "body": json.loads(self.rfile.read(int(self.headers["Content-Length"])))}
            )
            body = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer["content"]}}]})
            self.send_response(answer["status"])
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", asked, answer
    server.shutdown()
    server.server_close()


def test_off_by_default(doc, settings, endpoint):
    _, asked, _ = endpoint
    settings.DOKREG_REDACTION_MODEL_URL = ""
    assert model_names(doc) == [] and asked == []


def test_only_names_really_in_the_document_are_kept(doc, settings, endpoint):
    url, asked, _ = endpoint
    settings.DOKREG_REDACTION_MODEL_URL = url
    assert model_names(doc) == ["Tiit Oja"]  # the invented name and the number are dropped
    [request] = asked
    assert request["path"] == "/v1/chat/completions"
    assert "Tiit Oja" in request["body"]["messages"][1]["content"]
    found = {c.name: c for c in document_candidates(doc, extra_names=model_names(doc))}
    assert "model" in found["Tiit Oja"].sources and "Olematu Isik" not in found


def test_a_broken_endpoint_is_a_clear_error(doc, settings, endpoint):
    url, _, answer = endpoint
    settings.DOKREG_REDACTION_MODEL_URL = url
    answer["status"] = 500
    with pytest.raises(ModelUnavailable, match="model endpoint"):
        model_names(doc)
