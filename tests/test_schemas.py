"""schemas/ is derived from the official spec, and the app serves exactly the spec's operations."""

from __future__ import annotations

import json

import pytest

from fakeai import schemagen
from fakeai.routes import ROUTES
from fakeai.validation import load_schemas, schema_dir
from tests.official_spec import spec_operation


def test_schemas_are_what_the_generator_derives_from_the_spec(spec):
    """The drift check: re-run the generator; any difference means schemas/ was edited by hand or
    the spec moved on (then run `python -m fakeai.schemagen --spec ... --out schemas`)."""
    expected = {name: schemagen.render(doc) for name, doc in schemagen.generate(spec).items()}
    actual = {path.relative_to(schema_dir()).as_posix(): path.read_text(encoding="utf-8")
              for path in schema_dir().rglob("*.json")
              if path.relative_to(schema_dir()).parts[0] != schemagen.KEPT}

    assert sorted(actual) == sorted(expected)
    changed = [name for name in expected if actual[name] != expected[name]]
    assert changed == []


def test_every_overlay_says_why_in_the_schema_it_changes():
    for file_name, pointer, _changes, why in schemagen.OVERLAYS:
        target = schemagen.pointer_get(load_schemas().documents[file_name], pointer)
        assert target["$comment"] == f"fakeai overlay: {why}"


def schema_name(content) -> str | None:
    """The component a JSON or multipart body names; None for the spec's bare ``{"type": "string"}``
    (a file download's raw bytes, which no JSON schema checks)."""
    [(_, media)] = [(kind, value) for kind, value in content.items()
                    if kind in ("application/json", "multipart/form-data")]
    ref = media["schema"].get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def test_multipart_routes_are_the_operations_whose_body_the_spec_sends_as_form_data(spec):
    for route in ROUTES:
        operation = spec_operation(spec, route)
        body = (operation or {}).get("requestBody")
        assert route.form == bool(body and "multipart/form-data" in body["content"]), route.operation


def test_every_route_is_the_spec_operation_with_its_request_and_response_schemas(spec):
    for route in ROUTES:
        operation = spec_operation(spec, route)
        if route.operation == "listThreads":
            assert operation is None  # not a public operation; answered as the real API did
            continue
        assert operation is not None, route
        assert schema_name(operation["responses"]["200"]["content"]) == route.response
        body = operation.get("requestBody")
        assert (schema_name(body["content"]) if body else None) == route.body


def test_schema_files_are_valid_json_with_the_2020_12_dialect():
    for path in schema_dir().rglob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["$schema"] == schemagen.DRAFT


def test_the_generator_says_plainly_when_the_spec_file_is_absent(tmp_path, capsys):
    missing = tmp_path / "openapi.json"
    with pytest.raises(SystemExit) as stopped:
        schemagen.main(["--spec", str(missing), "--out", str(tmp_path / "schemas")])

    assert stopped.value.code == 2

    error = capsys.readouterr().err
    assert f"no OpenAPI document at {missing}" in error and "Traceback" not in error
    assert not (tmp_path / "schemas").exists()
