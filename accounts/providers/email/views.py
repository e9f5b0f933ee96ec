"""Log in, register or link an email address with a one-time code sent by email.

The views are those of accounts.providers.code_views; this module declares the email channel."""

from __future__ import annotations

from accounts.providers.code_views import CodeChannel, CodeLinkView, CodeSendView, CodeVerifyView
from accounts.providers.email.serializers import EmailCodeInput, EmailSendCodeInput

FLOW = """

**Flow.** `POST /api/v1/auth/email/send-code` with `{"email": "alice@example.com"}`, then
`POST /api/v1/auth/email/verify-code` with the email and the 6-digit code received (subject "Your MovoAI code",
in French when the account or the `Accept-Language` is French): the answer is the token pair (`access`,
`refresh`) and `is_new_user`. To add an email to the account you are logged in with, send the code with
`"purpose": "link"` and your Bearer token, then `POST /api/v1/auth/email/link` with the email and the code.

**Rules.** Addresses are compared lower-cased. A code lives 10 minutes, works once and dies after 5 wrong
attempts; only the newest code counts. At most 3 codes an hour per address and 3 email codes an hour per client
IP (429 with `Retry-After`). verify-code and link allow 5 attempts a minute per IP (429 with `Retry-After`).
"""

EMAIL = CodeChannel(
    channel="email",
    field="email",
    noun="address",
    send_input=EmailSendCodeInput,
    code_input=EmailCodeInput,
    example="alice@example.com",
    sent_detail="A code was sent by email. Enter it to continue.",
    flow=FLOW,
    send_summary="Send a code by email",
    send_lead="Emails a 6-digit code to the address.",
    invalid_target="not an email address",
    invalid_example="Not an email address",
    invalid_message="Enter a valid email address.",
    too_many_detail="At most 3 codes an hour for one email address.",
    unsent="the email",
    verify_summary="Log in with an email code",
    bad_target="a bad address",
    link_summary="Link an email address to my account",
    link_description="Adds the address to the account of the Bearer token, with the code sent by "
    "`POST /email/send-code` with `purpose: link` and that same token. An address another account has is a 409, "
    "and only once the code has proven the address is yours; linking an address you already have changes nothing.",
    linked_example_id=13,
)


class EmailSendCodeView(CodeSendView, channel=EMAIL):
    pass


class EmailVerifyCodeView(CodeVerifyView, channel=EMAIL):
    pass


class EmailLinkView(CodeLinkView, channel=EMAIL):
    pass
