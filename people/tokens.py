"""JSON Web Tokens that end when the password changes, the user is deactivated or their person
left (the registry sync deactivated them).

Each token carries `pwd`, a short HMAC of the user's password hash (Django's session auth hash,
the one that ends sessions on a password change). Access and refresh tokens alike are refused
once it no longer matches, whoever changed the password (the API, the admin, `changepassword`),
with no table to keep in step. Refresh tokens rotate and the used one is blacklisted
(simplejwt's token_blacklist); signing out blacklists the refresh token given."""

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils.encoding import force_str
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication, serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken, Token

from core.db import primary_reads
from people.models import Person
from people.selectors import user_may_sign_in, user_roles

logger = logging.getLogger(__name__)

PASSWORD_CLAIM = "pwd"  # noqa: S105 (a claim name, not a password)


def password_stamp(user: Any) -> str:
    return str(user.get_session_auth_hash())[:20]


def tokens_for(user: AbstractBaseUser) -> dict[str, str]:
    """A new refresh and access token pair, as signing in gives."""
    refresh = TokenObtainPairSerializer.get_token(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}  # type: ignore[attr-defined]


def _check_stamp(token: Token, user: AbstractBaseUser) -> None:
    if token.get(PASSWORD_CLAIM) != password_stamp(user):
        raise AuthenticationFailed("The password changed since this token was issued.", code="token_revoked")


class TokenObtainPairSerializer(serializers.TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user: Any) -> Token:
        token = super().get_token(user)
        token[PASSWORD_CLAIM] = password_stamp(user)
        return token


class TokenRefreshSerializer(serializers.TokenRefreshSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = RefreshToken(attrs["refresh"])  # refused when expired or blacklisted
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(
                force_str(self.error_messages["no_active_account"]), "no_active_account"
            )
        _check_stamp(refresh, user)
        return super().validate(attrs)


# The user a token names, kept in the cache between requests with their roles (two queries less
# per request: the user, their groups); the token's password stamp is still checked against it on
# every request. Saving or deleting the user (a new password, a deactivation: the API, the admin,
# `changepassword`) or saving their person, the registry sync deactivating people, changing their
# groups from either side, or deleting a group drops the entries at once and again at the commit;
# the time-out bounds a change made around the ORM.
USER_CACHE_SECONDS = 60


def _user_key(user_id: Any) -> str:
    return f"jwt-user:{user_id}"


def forget_users(user_ids: Iterable[Any]) -> None:
    """Drop the cached token users of `user_ids` now and when the transaction commits (a
    request in between may cache the old row again)."""
    keys = [_user_key(pk) for pk in user_ids if pk is not None]
    if not keys:
        return

    def forget() -> None:
        try:
            cache.delete_many(keys)
        except Exception:  # the cache is away: its entries time out by themselves
            logger.warning("could not drop the cached users %s", keys[:10])

    forget()
    transaction.on_commit(forget)


@receiver(post_save, sender=get_user_model())
@receiver(post_delete, sender=get_user_model())
def _forget_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_users([instance.pk])


@receiver(post_save, sender=Person)
def _forget_persons_user(sender: Any, instance: Person, **kwargs: Any) -> None:
    forget_users([instance.user_id])


@receiver(m2m_changed, sender=get_user_model().groups.through)
def _forget_members(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """A user's groups are their roles: changed from the user's side or the group's."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            forget_users([instance.pk])
    elif action in ("post_add", "post_remove"):
        forget_users(pk_set or ())
    elif action == "pre_clear":
        forget_users(instance.user_set.values_list("pk", flat=True))


@receiver(pre_delete, sender=Group)
def _forget_group_members(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_users(instance.user_set.values_list("pk", flat=True))


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token: Token) -> Any:
        key = _user_key(validated_token.get(api_settings.USER_ID_CLAIM))
        try:
            user = cache.get(key)
        except Exception:  # the cache is away: read the database as before
            user = None
        if user is None:
            # From the primary, even in a request whose reads go to the replica: a lagging
            # replica could otherwise cache a leaver, or old roles, for the whole time-out.
            with primary_reads():
                user = super().get_user(validated_token)  # refuses an inactive or deleted user
                if not user_may_sign_in(user):
                    raise AuthenticationFailed("This person has left the service.", code="user_inactive")
                user_roles(user)  # read now, so the roles are kept with the user (on the object)
            try:
                cache.set(key, user, USER_CACHE_SECONDS)
            except Exception:
                logger.warning("could not cache user %s", user.pk)
        elif not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        _check_stamp(validated_token, user)
        return user


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI document describes this authentication as simplejwt's bearer token."""

    target_class = "people.tokens.JWTAuthentication"
