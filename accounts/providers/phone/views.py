"""Log in, register or link a phone number with a one-time code sent by SMS.

The views are those of accounts.providers.code_views; this module declares the SMS channel."""

from __future__ import annotations

from accounts.providers.code_views import CodeChannel, CodeLinkView, CodeSendView, CodeVerifyView
from accounts.providers.phone.serializers import PhoneCodeInput, PhoneSendCodeInput

FLOW = """

**Flow.** `POST /api/v1/auth/phone/send-code` with `{"phone": "+33612345678"}`, then
`POST /api/v1/auth/phone/verify-code` with the phone and the 6-digit code received: the answer is the
token pair (`access`, `refresh`) and `is_new_user` (true when the login created the account). To add a
phone to the account you are logged in with, send the code with `"purpose": "link"` and your Bearer token,
then `POST /api/v1/auth/phone/link` with the phone and the code.

**Rules.** Numbers are E.164 (`+`, country code, number; spaces and dashes are ignored). A code lives 5
minutes, works once and dies after 5 wrong attempts; only the newest code counts. At most 3 codes an hour per
number and 3 SMS codes an hour per client IP (429 with `Retry-After`). verify-code and link allow 5 attempts a
minute per IP (429 with `Retry-After`).
"""

SMS = CodeChannel(
    channel="sms",
    field="phone",
    noun="number",
    send_input=PhoneSendCodeInput,
    code_input=PhoneCodeInput,
    example="+33612345678",
    sent_detail="A code was sent by SMS. Enter it to continue.",
    flow=FLOW,
    send_summary="Send a code by SMS",
    send_lead="Sends a 6-digit code to the phone number.",
    invalid_target="the number is not E.164",
    invalid_example="Not a phone number",
    invalid_message="Enter a phone number in international format (E.164), e.g. +33612345678.",
    too_many_detail="At most 3 codes an hour for one phone number.",
    unsent="the SMS",
    verify_summary="Log in with an SMS code",
    bad_target="a bad phone number",
    link_summary="Link a phone number to my account",
    link_description="Adds the phone number to the account of the Bearer token, with the code sent by "
    "`POST /phone/send-code` with `purpose: link` and that same token. A number another account has is a 409, "
    "and only once the code has proven the number is yours; linking a number you already have changes nothing.",
    linked_example_id=12,
)


class PhoneSendCodeView(CodeSendView, channel=SMS):
    pass


class PhoneVerifyCodeView(CodeVerifyView, channel=SMS):
    pass


class PhoneLinkView(CodeLinkView, channel=SMS):
    pass
