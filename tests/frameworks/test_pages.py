"""The template library and its editor as pages (Django test client)."""

from __future__ import annotations

import json

import pytest
from django.test import Client as Browser
from django.utils.html import escape

from frameworks.models import Template
from frameworks.templates import builtin_templates
from tests.goals.conftest import logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_user()


@pytest.fixture
def own(owner):
    return Template.objects.create(owner=owner, name="Our week", lanes=["Cards", "Done"], goal_prompts={}, uses=0)


def test_the_library_lists_built_ins_and_own_with_previews(owner, own):
    page = logged_in(owner).get("/templates/")
    assert page.status_code == 200
    html = page.content.decode()
    for template in builtin_templates().values():
        assert escape(template["name"]) in html
        assert escape(template["agenda"][0]["title"]) in html
        assert escape(template["goal_prompts"]["why"]) in html
    assert "Our week" in html
    assert f"/templates/{own.id}/edit/" in html
    assert "/templates/builtin-okr/edit/" not in html, "a built-in offers no edit"


def test_another_accounts_template_is_not_in_the_library(own):
    assert "Our week" not in logged_in(make_user()).get("/templates/").content.decode()


def test_the_editor_carries_the_template_it_edits(owner, own):
    page = logged_in(owner).get(f"/templates/{own.id}/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    marker = '<script id="template-data" type="application/json">'
    start = html.index(marker) + len(marker)
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["lanes"] == ["Cards", "Done"]
    assert f'data-template-id="{own.id}"' in html


def test_a_new_template_starts_blank(owner):
    page = logged_in(owner).get("/templates/new/")
    assert page.status_code == 200
    assert '<script id="template-data" type="application/json">null</script>' in page.content.decode()


def test_a_built_in_or_anothers_template_is_not_edited(owner, own):
    assert logged_in(owner).get("/templates/builtin-okr/edit/").status_code == 403
    assert logged_in(make_user()).get(f"/templates/{own.id}/edit/").status_code == 404


def test_the_pages_need_an_account():
    for url in ("/templates/", "/templates/new/"):
        response = Browser().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_header_and_home_link_the_library(owner):
    html = logged_in(owner).get("/").content.decode()
    assert 'href="/templates/"' in html
    assert 'href="/templates/"' not in Browser().get("/").content.decode()
