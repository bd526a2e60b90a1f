"""Authentication backend: Django's ModelBackend behind the brute-force lockout.

Every password check (portal sign-in, /admin/ sign-in, ``POST /api/v1/auth/token``) goes
through here, so the lockout cannot be bypassed by choosing another door.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tinhso.accounts import lockout
from tinhso.accounts.auditing import audit
from tinhso.accounts.models import User


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        if lockout.current_lock(username, request) is not None:
            # PermissionDenied stops Django from trying other backends and fires
            # user_login_failed; the password is not even checked while locked.
            raise PermissionDenied
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
