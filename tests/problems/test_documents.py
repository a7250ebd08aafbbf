"""Office-uploaded Word templates are untrusted: sandboxed rendering and a check of every tag on upload
(review #1, server-side template injection)."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from jinja2.exceptions import SecurityError

from tests.problems.factories import assigned
from tuijin.documents import services as documents
from tuijin.documents.models import DocumentTemplate
from tuijin.documents.registry import document
from tuijin.documents.registry import documents as all_documents

pytestmark = pytest.mark.django_db


def _docx(*paragraphs: str, header: str = "", title: str = "") -> bytes:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    if title:
        doc.core_properties.title = title
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _payload(marker: Path) -> str:
    return "{{ title }} {{ cycler.__init__.__globals__.os.popen('id; touch " + str(marker) + "').read() }}"


def test_the_review_payload_is_refused_in_chinese_and_runs_nothing(world, client_for, tmp_path):
    marker = tmp_path / "pwned"
    upload = SimpleUploadedFile("evil.docx", _docx(_payload(marker)))
    response = client_for(world.admin).post("/problems/templates/slip_assign/upload/", {"file": upload})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "不能访问以下划线开头的属性“__globals__”" in page
    assert "cycler.__init__.__globals__" in page  # the offending tag is named
    assert not marker.exists()
    assert not DocumentTemplate.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ secret }}", "“secret”不是本文书的字段"),
        ("{{ number.__class__ }}", "以下划线开头的属性“__class__”"),
        ("{{ number|attr('__class__') }}", "以下划线开头的名称“__class__”"),
        ("{{ number['_x'] }}", "以下划线开头的名称“_x”"),
        ("{{ number.upper() }}", "不能调用函数或方法"),
        ("{{ range(3) }}", "“range”不是本文书的字段"),
        ("{% set x = number %}{{ x }}", "不能使用 set"),
        ("{% include 'x' %}", "不能使用 include"),
    ],
)
def test_tags_outside_the_declared_fields_are_refused(text, expected):
    message = documents.check_template("slip_assign", _docx("{{ number }}", text))
    assert expected in message and "模板标记“" in message


def test_headers_and_document_properties_are_checked_too(tmp_path):
    header = documents.check_template("slip_assign", _docx("{{ number }}", header="{{ lipsum }}"))
    assert "“lipsum”不是本文书的字段" in header
    props = documents.check_template("slip_assign", _docx("{{ number }}", title="{{ config }}"))
    assert "“config”不是本文书的字段" in props


def test_declared_fields_if_and_for_are_allowed():
    ok = _docx("{% if acknowledged_by %}签收：{{ acknowledged_by }}{% else %}未签收{% endif %} {{ number }}")
    assert documents.check_template("slip_assign", ok) == ""


@pytest.mark.parametrize("key", ["slip_assign", "slip_transfer", "slip_remind", "slip_supervise"])
def test_the_default_templates_pass_the_check(key):
    assert documents.check_template(key, document(key).default.read_bytes()) == ""


def test_every_registered_default_passes_the_check():
    for spec in all_documents():
        assert documents.check_template(spec.key, spec.default.read_bytes()) == "", spec.key


def test_a_stored_malicious_template_is_rendered_in_the_sandbox(world, client_for, tmp_path):
    """A template stored before the upload check existed still cannot reach Python internals."""
    marker = tmp_path / "pwned"
    problem = assigned(world)
    template = DocumentTemplate(jurisdiction=world.district, key="slip_assign", uploaded_by=world.admin)
    template.file.save("slip_assign.docx", ContentFile(_docx(_payload(marker))), save=True)
    with pytest.raises(SecurityError):
        documents.render_document("slip_assign", world.district, {"title": "x"})
    assert not marker.exists()
    assert problem.pk
