"""Field encryption keys: derived in development, required in production, rotatable."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from zhidu.core.crypto import (
    FieldDecryptionError,
    decrypt_str,
    derive_key,
    encrypt_str,
    field_keys,
    generate_key,
    is_encrypted,
)


def test_dev_key_is_derived_from_the_secret_key(settings):
    settings.ZHIDU_FIELD_KEYS = []
    settings.SECRET_KEY = "a-secret-key-for-this-test-only-0123456789"
    key = derive_key(settings.SECRET_KEY)
    assert field_keys() == (key,)
    assert key == derive_key(settings.SECRET_KEY)  # stable across restarts
    assert key != derive_key(settings.SECRET_KEY + "x")
    Fernet(key)  # a valid Fernet key
    token = encrypt_str("秘密 secret")
    assert token != "秘密 secret" and decrypt_str(token) == "秘密 secret"
    settings.SECRET_KEY = "another-secret-key-for-this-test-0123456789"
    with pytest.raises(FieldDecryptionError):
        decrypt_str(token)


def test_configured_keys_win_and_all_decrypt(settings):
    a, b = generate_key(), generate_key()
    settings.ZHIDU_FIELD_KEYS = [a]
    token_a = encrypt_str("x")
    settings.ZHIDU_FIELD_KEYS = [b, a]
    token_b = encrypt_str("y")
    assert decrypt_str(token_a) == "x" and decrypt_str(token_b) == "y"
    assert Fernet(b.encode()).decrypt(token_b.encode()) == b"y"  # the first key encrypts
    assert is_encrypted(token_a) and not is_encrypted("https://example.com/?key=1")


def test_a_bad_key_is_a_configuration_error(settings):
    settings.ZHIDU_FIELD_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured, match="ZHIDU_FIELD_KEYS"):
        encrypt_str("x")


def _settings_in_a_fresh_process(**env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZHIDU_")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import zhidu.settings as s; print(s.ZHIDU_TRUSTED_PROXIES, len(s.ZHIDU_FIELD_KEYS))"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_field_keys(tmp_path):
    base = {"ZHIDU_ENV": "prod", "ZHIDU_SECRET_KEY": "x" * 50, "ZHIDU_VAR_DIR": str(tmp_path)}
    r = _settings_in_a_fresh_process(**base)
    assert r.returncode != 0 and "Set ZHIDU_FIELD_KEYS in production" in r.stderr
    r = _settings_in_a_fresh_process(**base, ZHIDU_FIELD_KEYS=f"{generate_key()},{generate_key()}")
    assert r.returncode == 0 and r.stdout.strip() == "[] 2"


def test_trusted_proxies_setting_is_parsed_and_checked(tmp_path):
    r = _settings_in_a_fresh_process(ZHIDU_TRUSTED_PROXIES=" 10.0.0.2, fd00::/8 ,", ZHIDU_VAR_DIR=str(tmp_path))
    assert r.returncode == 0 and r.stdout.strip() == "['10.0.0.2', 'fd00::/8'] 0"
    r = _settings_in_a_fresh_process(ZHIDU_TRUSTED_PROXIES="10.0.0.2,nginx", ZHIDU_VAR_DIR=str(tmp_path))
    assert r.returncode != 0 and "'nginx' is not an IP address or network" in r.stderr
