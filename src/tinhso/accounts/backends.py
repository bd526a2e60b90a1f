"""Authentication backend: Django's ModelBackend behind the brute-force lockout.

Every password check (portal sign-in, /admin/ sign-in, ``POST /api/v1/auth/token``, the unlock
page) goes through here, so the lockout cannot be bypassed by choosing another door. The
address is checked first; a locked account lets in only the password *with* a valid unlock
code (``unlock_passcode``, passed only by the unlock page; the name contains "pass" so Django
hides it from the ``user_login_failed`` signal like the password).
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tinhso.accounts import lockout, unlock
from tinhso.accounts.auditing import audit
from tinhso.accounts.models import User


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        unlock_passcode: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        lock = lockout.current_lock(username, request)
        if lock is not None and (lock.scope == "address" or unlock_passcode is None):
            # PermissionDenied stops Django from trying other backends and fires
            # user_login_failed; the password is not even checked while locked.
            raise PermissionDenied
        if unlock_passcode is not None:
            return self._unlock(request, username, password, unlock_passcode)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            lock = lockout.record_failure(username, request)
            if lock is not None:
                audit(
                    "auth.lockout",
                    actor=None,
                    target=f"user:{username[:150]}",
                    details={"scope": lock.scope, "seconds": lock.seconds},
                    request=request,
                    outcome="failure",
                )
            return None
        lockout.clear_account(username)
        return user

    def _unlock(
        self, request: HttpRequest | None, username: str, password: str, code: str
    ) -> User | None:
        """Password and unlock code: the code is checked first, the password only after a
        right code (so this door is no way round the lock for guessing passwords), and any
        failure counts against the address and the code's attempts, not the account."""
        target = f"user:{username[:150]}"
        owner = unlock.find_user(username)
        row = unlock.take_attempt(owner, code) if owner is not None else None
        user = None
        if row is not None:
            user = super().authenticate(request, username=username, password=password)
        if row is None or user is None or not unlock.close(row):
            lock = lockout.record_address_failure(username, request)
            reason = "wrong_code" if row is None else "wrong_password" if user is None else "used"
            audit(
                "auth.unlock_failed",
                actor=None,
                target=target,
                details={"reason": reason, **({"address_locked": True} if lock else {})},
                request=request,
                outcome="failure",
            )
            return None
        lockout.clear_account(username)
        audit("auth.unlocked", actor=user, target=target, request=request)
        assert isinstance(user, User)
        return user
