"""The server-side Google redirect flow, on social-auth's Google OAuth2 backend.

`redirect_flow_start` sends the browser to Google with a random `state` that social-auth keeps in
the Django session (and as a single-use nonce); `redirect_flow_complete` checks that state, trades
Google's code for an access token, reads the account from Google's userinfo endpoint and returns
the Identity it proves. Unlike social-auth's default pipeline, no Django user or UserSocialAuth row
is made: the identity goes through accounts.identity like every other provider's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from social_core.backends.google import GoogleOAuth2
from social_core.exceptions import AuthCanceled, AuthInputError, AuthSessionError, SocialAuthBaseException
from social_django.utils import load_strategy

from accounts.identity import Identity
from accounts.providers.google.verify import email_is_verified, identity_from_claims
from movoai.errors import ServiceUnavailable


class GoogleRedirectFlowError(Exception):
    """The redirect flow failed; `code` is what the frontend is told (`?error=<code>`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class GoogleRedirectBackend(GoogleOAuth2[HttpResponse]):
    """social-core's Google backend (same name, so the SOCIAL_AUTH_GOOGLE_OAUTH2_* settings apply),
    ending in an Identity instead of running the user-creating pipeline."""

    def do_auth(self, access_token: Any, *args: Any, **kwargs: Any) -> Identity:
        response: dict[str, Any] = dict(kwargs.get("response") or {})
        # social-core's user_data already refuses an email Google has not verified; checked again below.
        response.update(self.user_data(access_token) or {})
        uid = response.get(self.ID_KEY)  # `sub`: Google's stable account id
        if not uid:
            raise GoogleRedirectFlowError("google_error")
        if not email_is_verified(response):
            raise GoogleRedirectFlowError("email_not_verified")
        return identity_from_claims({**response, "sub": str(uid)})


def redirect_flow_configured() -> bool:
    return bool(settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY and settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET)


def _backend(request: HttpRequest) -> GoogleRedirectBackend:
    if not redirect_flow_configured():
        raise ServiceUnavailable("Google sign-in by redirect is not configured on this server.")
    strategy = load_strategy(request)  # type: ignore[no-untyped-call]  # social_django leaves it untyped
    return GoogleRedirectBackend(strategy, redirect_uri=reverse("google-callback"))


def redirect_flow_start(request: HttpRequest) -> HttpResponse:
    """The redirect to Google's consent page, with a fresh `state` stored in the session."""
    return _backend(request).start()


def redirect_flow_complete(request: HttpRequest) -> Identity:
    """The identity proven by Google's callback. Raises GoogleRedirectFlowError when the user
    cancelled, the state is missing or not this browser's, or Google refused or did not verify
    the email address."""
    backend = _backend(request)
    try:
        result = backend.auth_complete()
    except AuthCanceled as error:
        raise GoogleRedirectFlowError("access_denied") from error
    except (AuthSessionError, AuthInputError) as error:
        if isinstance(error, AuthInputError) and error.parameter != "state":
            raise GoogleRedirectFlowError("invalid_request") from error
        raise GoogleRedirectFlowError("state_mismatch") from error
    except SocialAuthBaseException as error:
        code = "email_not_verified" if error.claim == "email_verified" else "google_error"
        raise GoogleRedirectFlowError(code) from error
    if not isinstance(result, Identity):  # do_auth returns one; anything else is a bug
        raise GoogleRedirectFlowError("google_error")
    return result
