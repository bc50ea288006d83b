from dokreg.errors import DokregError


class AlertsError(DokregError):
    code = "alerts_error"


class TooMany(AlertsError):
    """An address or an e-mail asked for more than the abuse limits allow."""

    code = "alerts_too_many"


class BadSubscription(AlertsError):
    """The search or the address cannot be saved; the message names which and why."""

    code = "alerts_bad_subscription"
