from django.contrib.auth import get_user_model
from rest_framework.authentication import BaseAuthentication

from .exceptions import TicketNotValid
from .services import ticket_redeem


class TicketAuthentication(BaseAuthentication):
    """`?ticket=` from `POST events/ticket/`, for EventSource, which cannot send headers.
    Without the parameter the next class (the Bearer token) decides; with it, the ticket
    does: unknown, expired or used -> 401 `token_not_valid`."""

    def authenticate(self, request):
        ticket = request.query_params.get("ticket")
        if ticket is None:
            return None
        user_id = ticket_redeem(ticket=ticket)
        if user_id is None:
            raise TicketNotValid()
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise TicketNotValid()
        return user, None

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
