"""System checks for outbound connections: what production should not run with."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def check_private_targets(app_configs, **kwargs):
    if settings.LAUREL_ALLOW_PRIVATE_TARGETS and not settings.DEBUG:
        return [Warning(
            "LAUREL_ALLOW_PRIVATE_TARGETS=1: outbound connections may call private, loopback and link-local addresses "
            "and plain http.",
            hint="Meant for tests and on-premise targets only; unset it unless every connection's URL is trusted.",
            id="laurel.W030",
        )]
    return []


@register()
def check_outbound_timeouts(app_configs, **kwargs):
    # A platform call runs inside step 5, under the issuance's lease: two calls must fit in it.
    budget = 2 * (settings.LAUREL_OUTBOUND_CONNECT_TIMEOUT + settings.LAUREL_OUTBOUND_READ_TIMEOUT)
    if budget >= settings.LAUREL_CLAIM_SECONDS:
        return [Warning(
            f"Two outbound calls may take {budget} s, as long as an issuance's lease (LAUREL_CLAIM_SECONDS="
            f"{settings.LAUREL_CLAIM_SECONDS}).",
            hint="Lower LAUREL_OUTBOUND_READ_TIMEOUT or raise LAUREL_CLAIM_SECONDS.", id="laurel.W031",
        )]
    return []
