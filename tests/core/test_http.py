"""`core.http.methods`: Django's method check, saying its methods to whoever resolves the view."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.test import RequestFactory
from django.views.decorators.cache import never_cache

from core.http import allowed_methods, methods


def view(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def test_it_answers_405_with_allow_for_any_other_method():
    checked = methods("GET", "POST")(view)
    factory = RequestFactory()
    assert checked(factory.get("/")).status_code == 200
    refused = checked(factory.put("/"))
    assert refused.status_code == 405
    assert set(refused["Allow"].split(", ")) == {"GET", "POST"}


def test_the_methods_are_read_through_the_decorators_outside_it():
    assert allowed_methods(never_cache(methods("DELETE")(view))) == {"DELETE"}


def test_a_class_based_view_says_its_handlers():
    assert allowed_methods(auth_views.LogoutView.as_view()) == {"POST", "OPTIONS"}


def test_a_class_based_view_with_get_answers_head_as_django_does():
    assert {"GET", "HEAD", "POST"} <= allowed_methods(auth_views.LoginView.as_view())


def test_a_view_that_does_not_say_takes_anything():
    assert allowed_methods(view) is None
