"""API tokens: issued with an expiry, checked against two-factor, revoked when the account changes.

Tokens are django-rest-knox tokens (the database keeps only a digest) in the `ApiToken` model.
A token stops working:

- API_TOKEN_AGE seconds after it was issued (knox deletes it on its next use);
- when its owner's password, roles (groups, superuser flag) or active flag change: the receivers
  below delete every token of the account, so a token taken before a promotion cannot do what
  the new role allows, and a stolen one dies with the password;
- when its owner must use two-factor authentication and the token was issued without a code
  (the role changed, the rule was widened, or they set up an authenticator app since).
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from clinic.models import ApiToken
from clinic.security import two_factor_required

# What knox hands out: 64 lowercase hex characters. Anything else is refused before it reaches
# the database (a NUL byte or stray UTF-8 in the header must be a 401, not an error).
TOKEN_SHAPE = re.compile(r"[0-9a-f]{64}")
# The fields whose change ends every token of the account.
ACCOUNT_FIELDS = ("password", "is_active", "is_superuser")


def api_token_issue(*, user, two_factor: bool) -> tuple[ApiToken, str]:
    """Issue a token for `user`; return the row and the token text (shown once, never stored)."""
    return ApiToken.objects.create(user=user, two_factor=two_factor)


def api_tokens_revoke(*, user) -> int:
    """Delete every API token of `user`; return how many there were."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token authentication, refusing malformed tokens early and tokens issued without a
    second factor to users who now need one."""

    def authenticate_credentials(self, token: bytes):
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        if not TOKEN_SHAPE.fullmatch(text):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)

    def validate_user(self, auth_token: ApiToken):
        user, auth_token = super().validate_user(auth_token)
        if two_factor_required(user) and not auth_token.two_factor:
            auth_token.delete()
            raise exceptions.AuthenticationFailed(
                _(
                    "This token was issued without a two-factor code, which your account now "
                    "needs: ask for a new one with otp_token."
                )
            )
        return user, auth_token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describe the token header in the OpenAPI schema (`Authorization: Token <token>`)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )


def revoke_tokens_on_account_change(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save on the user model: a changed password, active or superuser flag ends the
    account's tokens."""
    if instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(ACCOUNT_FIELDS):
        return  # e.g. the last_login update at each log-in
    before = get_user_model().objects.filter(pk=instance.pk).values(*ACCOUNT_FIELDS).first() or {}
    if any(before.get(field) != getattr(instance, field) for field in ACCOUNT_FIELDS):
        api_tokens_revoke(user=instance)


def revoke_tokens_on_role_change(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """m2m_changed on user groups: a role given or taken ends the tokens of whoever it touched."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        api_tokens_revoke(user=instance)
    elif action == "pre_clear":
        ApiToken.objects.filter(user__groups=instance).delete()
    else:
        ApiToken.objects.filter(user__pk__in=pk_set or ()).delete()
