from .models import Notification


def notifications(request):
    """`unread_notifications`: the count for the bell in the top bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": Notification.objects.for_user(user).unread().count()}
