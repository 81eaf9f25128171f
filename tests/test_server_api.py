"""The HTTP API (design.md, "HTTP API"): every status code of the contract, sent by the real
app through Starlette's TestClient; the CLI is the reference for every answer."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from generator import api
from generator.bounded import MAX_SHEET_BYTES
from generator.server.app import create_app
from generator.server.config import MAX_BODY, ServerSettings, is_loopback
from tests.helpers import EXAMPLE, WRONG_BANKS, CliResult, example_sheet

YAML = {"Content-Type": "application/yaml"}
JSON = {"Content-Type": "application/json"}
SCRAMBLED = WRONG_BANKS / "manufacturer_scrambled.yaml"


def client_for(**settings: object) -> TestClient:
    """The app as a browser on this machine reaches it (Host: 127.0.0.1:8000)."""
    app = create_app(ServerSettings(workers=1, **settings))  # type: ignore[arg-type]
    return TestClient(app, base_url="http://127.0.0.1:8000")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with client_for() as test_client:
        yield test_client


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in an empty folder, so the CLI names a spec `bank.yaml` as the API does."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def copy_as_bank(source: Path) -> bytes:
    data = source.read_bytes()
    Path("bank.yaml").write_bytes(data)
    return data


# ---- 200: the same answers as the command line ------------------------------------------


def test_page_has_a_csp_and_only_its_own_resources(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "http" not in page.text.replace('lang="en"', "")  # no URL to anywhere else
    for asset in ["/static/app.js", "/static/app.css", "/static/font-regular.ttf"]:
        answer = client.get(asset)
        assert answer.status_code == 200 and "content-security-policy" in answer.headers
    assert "http" not in client.get("/static/app.js").text
    assert client.get("/static/page.py").status_code == 404
    assert client.get("/static/page.html").status_code == 404  # only as rendered, at /
    assert client.get("/static/..%2Fpage.py").status_code == 404


@pytest.mark.parametrize("spec", [EXAMPLE, SCRAMBLED, WRONG_BANKS / "everything_wrong.yaml"])
def test_validate_is_validate_format_json(
    client: TestClient, run_cli: Callable[..., CliResult], in_tmp: Path, spec: Path
) -> None:
    data = copy_as_bank(spec)
    expected = json.loads(run_cli("validate", "--format", "json", "bank.yaml").out)
    answer = client.post("/api/validate?name=bank.yaml", content=data, headers=YAML)
    assert answer.status_code == 200
    assert answer.json() == expected
    plain = client.post(
        "/api/validate?name=bank.yaml", content=data, headers={"Content-Type": "text/plain"}
    )
    assert plain.json() == expected


def test_unreadable_yaml_gets_the_clis_findings(
    client: TestClient, run_cli: Callable[..., CliResult], in_tmp: Path
) -> None:
    Path("bank.yaml").write_bytes(b"\xff\xfe\x00batteries: [\x00")
    expected = json.loads(run_cli("validate", "--format", "json", "bank.yaml").out)
    answer = client.post(
        "/api/validate?name=bank.yaml", content=b"\xff\xfe\x00batteries: [\x00", headers=YAML
    )
    assert answer.status_code == 200 and answer.json() == expected
    assert [f["code"] for f in expected] == ["E001"]


def test_plan_is_plan_format_json(
    client: TestClient, run_cli: Callable[..., CliResult], in_tmp: Path
) -> None:
    data = copy_as_bank(EXAMPLE)
    expected = json.loads(run_cli("plan", "--format", "json", "bank.yaml").out)
    answer = client.post("/api/plan", content=data, headers=YAML)
    assert answer.status_code == 200 and answer.json() == expected


def test_fix_is_plan_fix(
    client: TestClient, run_cli: Callable[..., CliResult], in_tmp: Path
) -> None:
    data = copy_as_bank(SCRAMBLED)
    expected = run_cli("plan", "--fix", "bank.yaml").out
    answer = client.post("/api/fix", content=data, headers=YAML)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/yaml; charset=utf-8"
    assert answer.text == expected


@pytest.fixture(scope="module")
def example_pdf() -> bytes:
    return example_sheet()


@pytest.mark.slow
def test_extract_gives_back_the_spec_inside_a_sheet(client: TestClient, example_pdf: bytes) -> None:
    answer = client.post(
        "/api/extract", content=example_pdf, headers={"Content-Type": "application/pdf"}
    )
    assert answer.status_code == 200 and answer.content == EXAMPLE.read_bytes()


@pytest.mark.slow
def test_extract_reads_a_photo_of_a_page(client: TestClient, example_pdf: bytes) -> None:
    from tests.test_scan import photographed, plan_of, render

    photo = photographed(render(example_pdf, 1, 150, grey=False), 2.0)
    answer = client.post("/api/extract", content=photo, headers={"Content-Type": "image/jpeg"})
    assert answer.status_code == 200, answer.text
    assert plan_of(answer.content) == plan_of(EXAMPLE.read_bytes())


def test_json_body_reads_as_the_same_yaml_and_findings_carry_json_paths(client: TestClient) -> None:
    spec = {
        "job": {"title": "Smith", "revision": "2"},
        "batteries": [{"model": "LifePower4"}, {"model": "LL-S", "id": "x"}],
        "cables": [{"between": [1, 3], "pins": [7, 8]}],
    }
    converted = client.post("/api/spec", json=spec).json()
    assert converted["yaml"] == (
        "job:\n  title: Smith\n  revision: '2'\nbatteries:\n  - model: LifePower4\n"
        "  - model: LL-S\n    id: x\ncables:\n  - between: [1, 3]\n    pins: [7, 8]\n"
    )
    as_yaml = client.post("/api/validate", content=converted["yaml"], headers=YAML).json()
    as_json = client.post("/api/validate", json=spec).json()
    assert [{k: v for k, v in f.items() if k != "path"} for f in as_json] == as_yaml
    paths = {(f["code"], f["path"]) for f in as_json}
    assert {
        ("E002", "/batteries/1/id"),
        ("E102", "/batteries/0"),
        ("E109", "/cables/0/between"),
    } <= paths


def test_spec_reads_a_yaml_spec_into_the_json_structure(client: TestClient) -> None:
    answer = client.post("/api/spec", content=EXAMPLE.read_bytes(), headers=YAML).json()
    assert answer["yaml"] == EXAMPLE.read_text()
    assert answer["spec"]["job"]["title"] == "Garcia residence, ESS bank A"
    assert answer["spec"]["batteries"][2] == {"model": "LL-V2 (4 DIP)", "count": 2}
    assert answer["spec"]["batteries"][3] == {
        "model": "LL-V1",
        "serial": "LL1-2104-0092",
        "firmware": "V15P15",
    }
    # What comes back goes in again as JSON with the same findings.
    again = client.post("/api/validate?name=spec.yaml", json=answer["spec"]).json()
    assert [f["code"] for f in again] == [f["code"] for f in answer["findings"]]


def test_correction_draws_both_racks_and_lists_the_changes(client: TestClient) -> None:
    checked = api.check(api.SpecSource("spec.yaml", SCRAMBLED.read_bytes()))
    assert checked.analysis is not None
    spec = SCRAMBLED.read_text().replace("LLS2409-1187", "<script>alert(1)</script>")
    answer = client.post("/api/correction", content=spec, headers=YAML).json()
    assert answer["changes"] == [
        change.replace("LLS2409-1187", "<script>alert(1)</script>")
        for change in checked.analysis.changes
    ]
    assert len(answer["as_found"]) == len(answer["corrected"]) == 1
    assert "&lt;script&gt;" in answer["as_found"][0] and "<script" not in answer["as_found"][0]


def test_models_and_dip_drawings(client: TestClient) -> None:
    names = [model["name"] for model in client.get("/api/models").json()]
    assert names == ["LL-S", "LL-V2 (6 DIP)", "LL-V2 (4 DIP)", "LL-V1", "LifePower4"]
    drawing = client.get("/figures/dip.svg", params={"model": "LL-V2 (4 DIP)", "id": "3"})
    assert drawing.status_code == 200 and drawing.headers["content-type"] == "image/svg+xml"
    assert (
        drawing.headers["content-security-policy"]
        == "default-src 'none'; style-src 'unsafe-inline'"
    )
    assert drawing.text.startswith("<svg") and 'id="lever-4"' in drawing.text
    assert 'font-family="Atkinson Hyperlegible, sans-serif"' in drawing.text
    for params in [{"model": "LL-S", "id": "99"}, {"model": "LL-Z", "id": "1"}, {"id": "-1"}]:
        assert client.get("/figures/dip.svg", params=params).status_code == 404


# ---- the sheet: 200 with the build's very bytes, 422 otherwise ---------------------------


@pytest.mark.slow
def test_sheet_is_the_same_pdf_as_build(
    client: TestClient, run_cli: Callable[..., CliResult], in_tmp: Path
) -> None:
    data = copy_as_bank(EXAMPLE)
    assert run_cli("build", "bank.yaml", "-o", "out").exit_code == 0
    answer = client.post("/api/sheet?name=bank.yaml", content=data, headers=YAML)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="bank.pdf"'
    assert answer.content == Path("out/bank.pdf").read_bytes()
    # With errors allowed, a wrong bank gets the sheet `build --allow-errors` makes.
    wrong = copy_as_bank(SCRAMBLED)
    assert (
        run_cli("build", "--allow-errors", "--paper", "a4", "bank.yaml", "-o", "out").exit_code == 1
    )
    answer = client.post(
        "/api/sheet?name=bank.yaml&allow_errors=true&paper=a4&lang=en", content=wrong, headers=YAML
    )
    assert answer.status_code == 200 and answer.content == Path("out/bank.pdf").read_bytes()


def test_sheet_with_errors_is_422_with_the_findings(client: TestClient) -> None:
    answer = client.post("/api/sheet", content=SCRAMBLED.read_bytes(), headers=YAML)
    assert answer.status_code == 422
    assert answer.json()["error"].startswith("the spec has errors")
    assert "E102" in [f["code"] for f in answer.json()["findings"]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("paper=legal", "paper: letter or a4"),
        ("allow_errors=maybe", "allow_errors: true or false"),
        ("lang=fr", "lang: the sheet is available in en, es"),
        ("name=../etc/passwd", "name: a plain file name ending in .yaml"),
    ],
)
def test_sheet_options_we_cannot_use_are_422(client: TestClient, query: str, message: str) -> None:
    answer = client.post(f"/api/sheet?{query}", content=EXAMPLE.read_bytes(), headers=YAML)
    assert answer.status_code == 422 and answer.json()["error"].startswith(message)


# ---- 422, 400, 413, 415, 401, 503 -------------------------------------------------------


def test_plan_with_errors_is_422_with_the_findings(client: TestClient) -> None:
    answer = client.post("/api/plan", content=SCRAMBLED.read_bytes(), headers=YAML)
    assert answer.status_code == 422
    assert answer.json()["error"] == "the spec has errors"
    assert (
        answer.json()["findings"]
        == client.post("/api/validate", content=SCRAMBLED.read_bytes(), headers=YAML).json()
    )


def test_fix_that_cannot_be_done_is_422_with_the_reason(client: TestClient) -> None:
    answer = client.post(
        "/api/fix", content=(WRONG_BANKS / "too_large.yaml").read_bytes(), headers=YAML
    )
    assert answer.status_code == 422
    assert answer.json()["error"] == "cannot be corrected automatically"
    assert [f["code"] for f in answer.json()["findings"]] == ["E105"]


@pytest.mark.slow  # read in a render worker
@pytest.mark.parametrize(
    "body", [b"", b"%PDF-1.7\n garbage", b"\x00\xff" * 100], ids=["empty", "broken-pdf", "bytes"]
)
def test_extract_from_what_is_not_a_sheet_is_422(client: TestClient, body: bytes) -> None:
    answer = client.post("/api/extract", content=body, headers={"Content-Type": "application/pdf"})
    assert answer.status_code == 422
    assert answer.json()["error"].startswith("the uploaded sheet: not a readable PDF")


@pytest.mark.slow  # read in a render worker
def test_extract_from_a_pdf_without_a_spec_is_422(client: TestClient) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    path = Path(__file__).parent / "_blank.pdf"
    try:
        writer.write(path)
        answer = client.post("/api/extract", content=path.read_bytes())
    finally:
        path.unlink(missing_ok=True)
    assert answer.status_code == 422
    assert answer.json()["error"] == (
        "the uploaded sheet: no bank spec is attached (was it made by eg4sheet?)"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{batteries: [", "the body is not valid JSON: "),
        (b"[" * 100_000 + b"]" * 100_000, "the body is not valid JSON: "),
        (b"[" * 40 + b"]" * 40, "the JSON nests deeper than 16 levels"),
        (b"\xff\xfe{", "the body is not valid JSON: "),
        (json.dumps([[1] * 10] * 50_000).encode()[:MAX_BODY], "the body is not valid JSON: "),
        (json.dumps([[1] * 10] * 3_000).encode(), "the JSON has more than 10000 values"),
    ],
    ids=["syntax", "very-deep", "deep", "not-utf8", "cut-short", "many-values"],
)
def test_bad_json_is_400_with_a_message(client: TestClient, body: bytes, message: str) -> None:
    for route in ["/api/validate", "/api/plan", "/api/sheet", "/api/fix"]:
        answer = client.post(route, content=body, headers=JSON)
        assert answer.status_code == 400, route
        assert answer.json()["error"].startswith(message)


def test_other_media_types_are_415(client: TestClient) -> None:
    answer = client.post("/api/validate", content=b"x", headers={"Content-Type": "image/png"})
    assert answer.status_code == 415
    assert answer.json()["error"].startswith("send the spec as application/yaml")


def test_a_body_over_1_mb_is_413(client: TestClient) -> None:
    big = b"#" * (MAX_BODY + 1)
    for route in ["/api/validate", "/api/plan", "/api/sheet", "/api/fix", "/api/spec"]:
        assert client.post(route, content=big, headers=YAML).status_code == 413
    # A sheet to read may be a phone photo: extract takes what `eg4sheet extract` takes.
    answer = client.post("/api/extract", content=b"#" * (MAX_SHEET_BYTES + 1))
    assert answer.status_code == 413
    assert answer.json() == {"error": "the body is larger than 20 MB"}

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(11):
            yield b"#" * 100_000

    answer = client.post("/api/validate", content=chunks(), headers=YAML)
    assert answer.status_code == 413
    assert answer.json() == {"error": "the body is larger than 1 MB"}


def test_with_a_token_the_api_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with client_for(token="s3cret") as guarded:
        body = EXAMPLE.read_bytes()
        for headers in [
            YAML,
            {**YAML, "Authorization": "Bearer wrong"},
            {**YAML, "Authorization": "s3cret"},
        ]:
            answer = guarded.post("/api/validate", content=body, headers=headers)
            assert answer.status_code == 401
            assert answer.headers["www-authenticate"] == 'Bearer realm="eg4sheet"'
        assert guarded.get("/api/models").status_code == 401
        answer = guarded.post(
            "/api/validate", content=body, headers={**YAML, "Authorization": "Bearer s3cret"}
        )
        assert answer.status_code == 200
        # The page and the drawings carry no customer data: a browser loads them, then asks.
        assert guarded.get("/").status_code == 200
        assert guarded.get("/figures/dip.svg?model=LL-S&id=1").status_code == 200


def test_a_full_render_queue_is_503_with_retry_after(client: TestClient) -> None:
    pool = client.app.state.pool  # type: ignore[attr-defined]
    pool.busy = pool.limit
    try:
        answer = client.post("/api/sheet", content=EXAMPLE.read_bytes(), headers=YAML)
    finally:
        pool.busy = 0
    assert answer.status_code == 503
    assert int(answer.headers["retry-after"]) >= 1
    assert answer.json()["error"].startswith("busy:")


def test_bodies_beyond_the_budget_are_503_before_they_are_read() -> None:
    with client_for(body_budget=5_000) as tight:
        answer = tight.post("/api/extract", content=b"%PDF" + b"x" * 6_000)
        assert answer.status_code == 503 and answer.headers["retry-after"] == "2"
        assert answer.json() == {"error": "busy: 0 MB of uploads are being read; try again shortly"}

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(3):
                yield b"#" * 2_000

        assert tight.post("/api/validate", content=chunks(), headers=YAML).status_code == 503
        budget = tight.app.state.body_budget  # type: ignore[attr-defined]
        assert budget.held == 0  # given back when answered
        assert tight.post("/api/validate", content=SPEC, headers=YAML).status_code == 200


def test_a_bug_is_500_json_with_the_csp(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(api, "check", broken)
    app = create_app(ServerSettings(workers=1))
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as buggy:
        answer = buggy.post("/api/validate", content=SPEC, headers=YAML)
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error (a bug in eg4sheet; see the log)"}
    assert "default-src 'none'" in answer.headers["content-security-policy"]


def test_a_check_over_its_time_limit_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    real_check = api.check

    def slow_check(*args: object) -> api.Checked:
        time.sleep(0.3)
        return real_check(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "check", slow_check)
    with client_for(check_seconds=0.05) as hurried:
        answer = hurried.post("/api/validate", content=EXAMPLE.read_bytes(), headers=YAML)
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert answer.json() == {"error": "this took longer than 0.05 s"}


# ---- another site, another name, odd input: 4xx, never a 500 ------------------------------

SPEC = b"batteries: [{model: LL-S}]\n"


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "127.0.0.2"]
)
def test_loopback_names_are_answered(client: TestClient, host: str) -> None:
    answer = client.post("/api/validate", content=SPEC, headers={**YAML, "Host": host})
    assert answer.status_code == 200


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:8000", "127.0.0.1.nip.io", "192.168.1.5:8000"]
)
def test_other_host_names_are_421(client: TestClient, host: str) -> None:
    """DNS rebinding: a page on attacker.example, re-pointed at 127.0.0.1, reads nothing."""
    for answer in [
        client.get("/", headers={"Host": host}),
        client.post("/api/sheet", content=SPEC, headers={**YAML, "Host": host}),
    ]:
        assert answer.status_code == 421
        assert answer.json()["error"].startswith(
            f"this server does not answer to the name {host!r}; start it with --allow-host"
        )
        assert "default-src 'none'" in answer.headers["content-security-policy"]


def test_names_given_with_allow_host_are_answered() -> None:
    with client_for(allowed_hosts=frozenset({"desk.example.com"})) as named:
        for host in ["desk.example.com", "Desk.Example.com:8080", "127.0.0.1:8000"]:
            answer = named.post("/api/validate", content=SPEC, headers={**YAML, "Host": host})
            assert answer.status_code == 200, host
        answer = named.post("/api/validate", content=SPEC, headers={**YAML, "Host": "x.example"})
        assert answer.status_code == 421


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://attacker.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://attacker.example"},  # an older browser: Origin alone
        {"Origin": "null"},  # a sandboxed frame or a data: page
        {"Origin": "http://localhost:8000"},  # another origin on this machine
        {"Origin": "http://127.0.0.1:9999"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
    ids=["cross-site", "origin-only", "null", "other-name", "other-port", "same-site", "fetch"],
)
def test_cross_origin_posts_are_403(client: TestClient, headers: dict[str, str]) -> None:
    """A form on another site may POST text/plain without asking: refused before any work."""
    for route in ["/api/sheet", "/api/validate", "/api/extract"]:
        answer = client.post(route, content=SPEC, headers={"Content-Type": "text/plain", **headers})
        assert answer.status_code == 403, route
        assert answer.json() == {"error": "a request from another web site is refused"}


def test_same_origin_posts_are_answered(client: TestClient) -> None:
    """The desk's own page sends both headers; scripts send neither."""
    own = {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
    for headers in [own, {"Origin": "http://127.0.0.1:8000"}, {}]:
        answer = client.post("/api/validate", content=SPEC, headers={**YAML, **headers})
        assert answer.status_code == 200, headers


@pytest.mark.parametrize(
    "query",
    ["model=LL-S&id=%C2%B2", "model=LL-S&id=" + "1" * 5000, "model=LL-S&id=%EF%BC%93", "id=-1"],
    ids=["superscript-two", "5000-digits", "fullwidth-three", "negative"],
)
def test_dip_ids_that_are_not_plain_decimal_are_404(client: TestClient, query: str) -> None:
    answer = client.get(f"/figures/dip.svg?{query}")
    assert answer.status_code == 404
    assert answer.text == "no such model and ID"


SPEC_ROUTES = ["/api/validate", "/api/plan", "/api/sheet", "/api/fix", "/api/spec"]
SPEC_ROUTES += ["/api/correction"]


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        (b'{"batteries": [{"model": "LL-S", "serial": "\\ud800"}]}', "\\ud800"),
        (b'{"job": {"title": "a\\udfffb"}, "batteries": [{"model": "LL-S"}]}', "\\udfff"),
        (b'{"job": {"\\udc00": "x"}, "batteries": [{"model": "LL-S"}]}', "\\udc00"),
    ],
    ids=["serial", "title", "key"],
)
def test_json_with_a_lone_surrogate_is_400(client: TestClient, body: bytes, bad: str) -> None:
    for route in SPEC_ROUTES:
        answer = client.post(route, content=body, headers=JSON)
        assert answer.status_code == 400, route
        assert answer.json() == {
            "error": f"the JSON holds {bad}, half of a surrogate pair: not text"
        }


def test_every_answer_under_api_is_json(client: TestClient) -> None:
    for answer, status, message in [
        (client.get("/api/nothing"), 404, "no such API route: /api/nothing (see README: HTTP API)"),
        (client.post("/api/nothing", content=SPEC), 404, "no such API route: /api/nothing"),
        (client.get("/api/validate"), 405, "/api/validate takes POST, not GET"),
        (client.put("/api/sheet", content=SPEC), 405, "/api/sheet takes POST, not PUT"),
    ]:
        assert answer.status_code == status
        assert answer.headers["content-type"] == "application/json"
        assert answer.json()["error"].startswith(message)
        assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert client.get("/api/validate").headers["allow"] == "POST"
    assert client.get("/nothing").text == "Not Found"  # the page's side stays plain


# ---- the server itself ------------------------------------------------------------------


def test_one_log_line_per_request_without_spec_content(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="eg4sheet.serve"):
        client.post("/api/validate", content=b"job: {title: Secret\\nCustomer}\n", headers=YAML)
        client.post("/api/plan", content=b"[", headers=JSON)
        client.get("/no/such%0Apage")
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 3
    assert lines[0].startswith("POST /api/validate 200 ")
    assert lines[1].startswith("POST /api/plan 400 ")
    assert lines[2].startswith("GET /no/such\\npage 404 ")
    assert not any("Secret" in line for line in lines)


def test_serve_refuses_a_public_address_without_a_token(
    run_cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EG4SHEET_TOKEN", raising=False)
    result = run_cli("serve", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert (
        "--host 0.0.0.0 is reachable from other machines: give --token or set EG4SHEET_TOKEN"
        in result.err
    )

    started: list[tuple[ServerSettings, str, int, str]] = []
    monkeypatch.setattr("generator.server.app.serve", lambda *args: started.append(args))
    monkeypatch.setenv("EG4SHEET_TOKEN", "from-env")
    started_ok = run_cli(
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "9001",
        "--workers",
        "3",
        "--allow-host",
        "Desk.Example.com",
        "--allow-host",
        "[fd00::5]",
    )
    assert started_ok.exit_code == 0
    settings, host, port, log_format = started[0]
    assert (settings.token, settings.workers, host, port) == ("from-env", 3, "0.0.0.0", 9001)
    assert settings.allowed_hosts == {"desk.example.com", "fd00::5"}
    assert (settings.drain_seconds, log_format) == (30.0, "text")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("127.8.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.slow
def test_hostile_specs_get_an_answer_never_a_500(client: TestClient) -> None:
    """The hostile corpus through every spec route: a finding, 413 or 422, never a crash."""
    from tests.hostile_corpus import CASES

    for case in CASES:
        answer = client.post("/api/validate", content=case.data, headers=YAML)
        if len(case.data) > MAX_BODY:
            assert answer.status_code == 413, case.name
            continue
        assert answer.status_code == 200, case.name
        codes = [f["code"] for f in answer.json() if f["severity"] == "error"]
        assert (codes[0] if codes else None) == case.code, case.name
        for route in ["/api/plan", "/api/fix", "/api/spec", "/api/correction"]:
            status = client.post(route, content=case.data, headers=YAML).status_code
            assert status in (200, 422), (case.name, route)


def test_fix_for_the_page_keeps_the_firmware_found(client: TestClient) -> None:
    data = (WRONG_BANKS / "everything_wrong.yaml").read_bytes()
    kept = client.post("/api/fix?keep_firmware=true", content=data, headers=YAML)
    assert kept.status_code == 200 and "firmware: V15P14" in kept.text
    assert kept.text == api.fix(api.SpecSource("spec.yaml", data), keep_firmware=True).text
    plain = client.post("/api/fix", content=data, headers=YAML)
    assert plain.status_code == 200 and "firmware: V15P14" not in plain.text
    wrong = client.post("/api/fix?keep_firmware=maybe", content=data, headers=YAML)
    assert (wrong.status_code, wrong.json()) == (422, {"error": "keep_firmware: true or false"})


def test_findings_for_the_page_count_as_validate_and_say_not_given_once(
    client: TestClient,
) -> None:
    spec = {"batteries": [{"model": "LL-S"}, {"model": "LL-V1", "count": 2}]}
    answer = client.post("/api/findings", content=json.dumps(spec), headers=JSON)
    assert answer.status_code == 200
    shown = answer.json()
    assert (shown["errors"], shown["warnings"]) == (0, 3)  # as `eg4sheet validate` counts
    (once,) = shown["findings"]
    assert (once["code"], once["path"]) == ("W202", None)  # for the bank, under no battery
    assert once["hint"] == (
        "read each battery's firmware in BMS Tools and fill in its “Firmware installed”"
    )
