import datetime as dt
import threading

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhidu.audit.models import AccessLog, AuditEvent
from zhidu.org.models import LoginFailure, UserSession
from zhidu.org.services import user_deactivate

LOGIN = "/org/login/"


def _login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_login_page_is_a_clean_sign_in_card(client, db):
    r = client.get(LOGIN)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert "card card-md" in html
    assert "navbar-vertical" not in html  # no sidebar on the sign-in page
    assert "<script>" not in html  # CSP: no inline scripts


def test_login_success_redirects_to_next_and_logs(client, org):
    r = _login(client, "rep_a1", org.password, next="/org/account/")
    assert r.status_code == 302 and r["Location"] == "/org/account/"
    row = AccessLog.objects.get(event="login")
    assert row.user_id == org.rep_a1.pk and row.username == "rep_a1"
    key = client.session.session_key
    assert UserSession.objects.filter(user=org.rep_a1, session_key=key).exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_login_ignores_an_offsite_next(client, org, target):
    r = _login(client, "rep_a1", org.password, next=target)
    assert r.status_code == 302 and r["Location"] == reverse("core:dashboard")


def test_signed_in_user_visiting_login_goes_on(client, org):
    client.force_login(org.rep_a1)
    r = client.get(LOGIN + "?next=/org/account/")
    assert r.status_code == 302 and r["Location"] == "/org/account/"


def test_wrong_password_counts_a_failure_and_logs(client, org):
    r = _login(client, "rep_a1", "wrong-password")
    assert r.status_code == 200
    assert "not correct" in r.content.decode() or "不正确" in r.content.decode()
    assert LoginFailure.objects.get(username="rep_a1").failures == 1
    row = AccessLog.objects.get(event="login_failed")
    assert row.username == "rep_a1" and row.user_id == org.rep_a1.pk
    assert "_auth_user_id" not in client.session


def test_unknown_user_is_logged_by_the_name_given(client, db):
    _login(client, "nobody", "whatever-1234")
    row = AccessLog.objects.get(event="login_failed")
    assert row.username == "nobody" and row.user_id is None


def test_empty_form_is_refused_without_counting(client, org):
    r = client.post(LOGIN, {"username": "", "password": ""})
    assert r.status_code == 200
    assert LoginFailure.objects.count() == 0 and AccessLog.objects.count() == 0


def test_lockout_after_max_failures(client, org, settings):
    settings.ZHIDU_LOGIN_MAX_FAILURES = 3
    settings.ZHIDU_LOGIN_LOCKOUT_MINUTES = 15
    for _ in range(2):
        assert _login(client, "rep_a1", "wrong").status_code == 200
    r = _login(client, "rep_a1", "wrong")
    assert r.status_code == 429
    assert AccessLog.objects.filter(event="locked_out", username="rep_a1").count() == 1
    row = LoginFailure.objects.get(username="rep_a1")
    assert row.locked_until > timezone.now() + dt.timedelta(minutes=14)
    # While locked, even the right password is refused, and nobody is signed in.
    r = _login(client, "rep_a1", org.password)
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session
    assert not AccessLog.objects.filter(event="login").exists()
    # Another person is not affected.
    assert _login(Client(), "rep_a2", org.password).status_code == 302


def test_lockout_ends_after_its_minutes_and_success_clears_the_counter(client, org, settings):
    settings.ZHIDU_LOGIN_MAX_FAILURES = 2
    _login(client, "rep_a1", "wrong")
    _login(client, "rep_a1", "wrong")
    LoginFailure.objects.filter(username="rep_a1").update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert _login(client, "rep_a1", org.password).status_code == 302
    assert not LoginFailure.objects.filter(username="rep_a1").exists()


def test_old_failures_are_forgotten(client, org, settings):
    settings.ZHIDU_LOGIN_MAX_FAILURES = 3
    settings.ZHIDU_LOGIN_LOCKOUT_MINUTES = 15
    _login(client, "rep_a1", "wrong")
    _login(client, "rep_a1", "wrong")
    LoginFailure.objects.filter(username="rep_a1").update(last_failure_at=timezone.now() - dt.timedelta(hours=1))
    _login(client, "rep_a1", "wrong")
    row = LoginFailure.objects.get(username="rep_a1")
    assert row.failures == 1 and row.locked_until is None


def test_one_address_trying_many_names_is_throttled(client, org, settings):
    settings.ZHIDU_LOGIN_MAX_FAILURES = 5
    settings.ZHIDU_LOGIN_IP_MAX_FAILURES = 4
    for name in ["a1", "a2", "a3"]:
        assert _login(client, name, "wrong").status_code == 200
    assert _login(client, "a4", "wrong").status_code == 429
    assert LoginFailure.objects.get(username="ip:127.0.0.1").locked_until is not None
    assert _login(client, "rep_a1", org.password).status_code == 429
    # Another address is not throttled.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _login(other, "rep_a1", org.password).status_code == 302


def test_inactive_user_cannot_sign_in(client, org):
    org.rep_a1.is_active = False
    org.rep_a1.save()
    assert _login(client, "rep_a1", org.password).status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_logs(client, org):
    _login(client, "rep_a1", org.password)
    key = client.session.session_key
    r = client.get("/org/logout/")
    assert r.status_code == 200  # a confirmation page; GET signs nobody out
    assert UserSession.objects.filter(session_key=key).exists()
    r = client.post("/org/logout/")
    assert r.status_code == 302 and r["Location"] == reverse("org:login")
    assert AccessLog.objects.filter(event="logout", user_id=org.rep_a1.pk).count() == 1
    assert not UserSession.objects.filter(session_key=key).exists()
    assert not Session.objects.filter(session_key=key).exists()


def test_anonymous_page_goes_to_login_with_next(client, db):
    r = client.get("/org/account/")
    assert r.status_code == 302 and r["Location"].startswith("/org/login/?next=/org/account/")


def test_htmx_request_with_expired_session_gets_hx_redirect(client, db):
    r = client.get("/org/users/", HTTP_HX_REQUEST="true")
    assert r.status_code == 204
    assert r["HX-Redirect"].startswith("/org/login/")


def test_session_expiry_is_eight_hours_idle(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600 and settings.SESSION_SAVE_EVERY_REQUEST


def test_deactivating_ends_every_session_of_that_person_only(org):
    a, b, other = Client(), Client(), Client()
    _login(a, "rep_a1", org.password)
    _login(b, "rep_a1", org.password)
    _login(other, "rep_a2", org.password)
    assert UserSession.objects.filter(user=org.rep_a1).count() == 2
    user_deactivate(actor=org.admin, user=org.rep_a1)
    assert UserSession.objects.filter(user=org.rep_a1).count() == 0
    assert a.get("/org/account/").status_code == 302
    assert b.get("/org/account/").status_code == 302
    assert other.get("/org/account/").status_code == 200


# --- password change ----------------------------------------------------------------------


def test_password_change_page_lists_the_policy(client, org):
    client.force_login(org.rep_a1)
    r = client.get("/org/password/")
    assert r.status_code == 200
    assert "10" in r.content.decode()  # MinimumLengthValidator(min_length=10) help text


def test_password_change_wrong_old_password_changes_nothing(client, org):
    client.force_login(org.rep_a1)
    before = org.rep_a1.password
    r = client.post(
        "/org/password/",
        {"old_password": "nope", "new_password1": "Brand-new-pass-77", "new_password2": "Brand-new-pass-77"},
    )
    assert r.status_code == 200
    org.rep_a1.refresh_from_db()
    assert org.rep_a1.password == before
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


@pytest.mark.parametrize("weak", ["short1", "12345678901", "password123", "rep_a1@example.co"])
def test_password_change_applies_the_validators(client, org, weak):
    client.force_login(org.rep_a1)
    before = org.rep_a1.password
    r = client.post("/org/password/", {"old_password": org.password, "new_password1": weak, "new_password2": weak})
    assert r.status_code == 200
    assert "is-invalid" in r.content.decode()
    org.rep_a1.refresh_from_db()
    assert org.rep_a1.password == before


def test_password_change_mismatch_is_refused(client, org):
    client.force_login(org.rep_a1)
    r = client.post(
        "/org/password/",
        {"old_password": org.password, "new_password1": "Brand-new-pass-77", "new_password2": "Brand-new-pass-78"},
    )
    assert r.status_code == 200
    org.rep_a1.refresh_from_db()
    assert org.rep_a1.check_password(org.password)


def test_password_change_keeps_this_session_and_ends_the_others(org):
    here, elsewhere = Client(), Client()
    _login(here, "rep_a1", org.password)
    _login(elsewhere, "rep_a1", org.password)
    r = here.post(
        "/org/password/",
        {"old_password": org.password, "new_password1": "Brand-new-pass-77", "new_password2": "Brand-new-pass-77"},
    )
    assert r.status_code == 302 and r["Location"] == "/org/account/"
    assert here.get("/org/account/").status_code == 200
    assert elsewhere.get("/org/account/").status_code == 302
    assert UserSession.objects.filter(user=org.rep_a1).count() == 1
    assert AuditEvent.objects.filter(action="user.password_change", object_id=str(org.rep_a1.pk)).count() == 1
    assert _login(Client(), "rep_a1", "Brand-new-pass-77").status_code == 302


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_are_all_counted_and_lock_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from zhidu.org.tests.factories import UserFactory

    UserFactory(username="target")
    settings.ZHIDU_LOGIN_MAX_FAILURES = 100
    n = 8
    barrier = threading.Barrier(n)
    errors = []

    def attempt(i):
        try:
            c = Client(REMOTE_ADDR=f"10.0.0.{i + 1}")
            barrier.wait()
            c.post(LOGIN, {"username": "target", "password": "wrong"})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert LoginFailure.objects.get(username="target").failures == n

    # Now n more concurrent failures against a limit of n + 2: exactly one lockout.
    settings.ZHIDU_LOGIN_MAX_FAILURES = n + 2
    barrier = threading.Barrier(n)
    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert AccessLog.objects.filter(event="locked_out", username="target").count() == 1


def test_ending_sessions_costs_the_same_for_many_sessions(org, django_assert_max_num_queries):
    from zhidu.org.signin import sessions_end

    for _ in range(15):
        _login(Client(), "rep_a1", org.password)
    _login(Client(), "rep_a2", org.password)
    with django_assert_max_num_queries(2):
        assert sessions_end(user=org.rep_a1) == 15
    assert Session.objects.count() == 1 and UserSession.objects.count() == 1


def test_purging_forgets_rows_of_expired_sessions(org):
    from zhidu.org.signin import user_session_purge

    a, b = Client(), Client()
    _login(a, "rep_a1", org.password)
    _login(b, "rep_a2", org.password)
    Session.objects.filter(session_key=a.session.session_key).delete()  # as clearsessions would
    assert user_session_purge() == 1
    assert list(UserSession.objects.values_list("user__username", flat=True)) == ["rep_a2"]


def test_stale_failure_counters_are_purged_but_locks_kept(db):
    from zhidu.org.signin import login_failure_purge

    now = timezone.now()
    LoginFailure.objects.create(username="old", failures=2, last_failure_at=now - dt.timedelta(days=2))
    LoginFailure.objects.create(username="fresh", failures=1, last_failure_at=now - dt.timedelta(minutes=5))
    LoginFailure.objects.create(
        username="locked",
        failures=0,
        last_failure_at=now - dt.timedelta(days=2),
        locked_until=now + dt.timedelta(minutes=5),
    )
    assert login_failure_purge() == 1
    assert set(LoginFailure.objects.values_list("username", flat=True)) == {"fresh", "locked"}


def test_throttle_keys_on_the_client_behind_a_trusted_proxy(org, settings):
    """Behind nginx every request comes from nginx's address: the throttle must count the
    client from X-Forwarded-For, or one attacker would lock out the whole company — and a
    client must not escape it by forging the header's left-most entries."""
    settings.ZHIDU_TRUSTED_PROXIES = ["10.0.0.2"]
    settings.ZHIDU_LOGIN_MAX_FAILURES = 50
    settings.ZHIDU_LOGIN_IP_MAX_FAILURES = 3
    attacker = Client(REMOTE_ADDR="10.0.0.2")
    for i, name in enumerate(["a1", "a2"]):
        # A different forged left-most entry each time: it must not reset the count.
        forged = f"198.51.100.{i}, 203.0.113.7"
        r = attacker.post(LOGIN, {"username": name, "password": "wrong"}, HTTP_X_FORWARDED_FOR=forged)
        assert r.status_code == 200
    r = attacker.post(LOGIN, {"username": "a3", "password": "wrong"}, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7")
    assert r.status_code == 429
    assert LoginFailure.objects.get(username="ip:203.0.113.7").locked_until is not None
    assert not LoginFailure.objects.filter(username="ip:10.0.0.2").exists()
    assert not LoginFailure.objects.filter(username__startswith="ip:198.51.100").exists()
    assert set(AccessLog.objects.filter(event="login_failed").values_list("ip", flat=True)) == {"203.0.113.7"}
    # A colleague behind the same proxy is not throttled.
    colleague = Client(REMOTE_ADDR="10.0.0.2")
    r = colleague.post(LOGIN, {"username": "rep_a1", "password": org.password}, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert r.status_code == 302
    assert UserSession.objects.get(user=org.rep_a1).ip == "203.0.113.8"


def test_without_trusted_proxies_the_header_is_ignored(org, settings):
    settings.ZHIDU_TRUSTED_PROXIES = []
    settings.ZHIDU_LOGIN_IP_MAX_FAILURES = 50
    c = Client(REMOTE_ADDR="10.0.0.2")
    c.post(LOGIN, {"username": "a1", "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert LoginFailure.objects.filter(username="ip:10.0.0.2").exists()
    assert not LoginFailure.objects.filter(username="ip:203.0.113.7").exists()
