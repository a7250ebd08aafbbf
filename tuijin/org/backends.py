from django.contrib.auth.backends import ModelBackend

from .models import User


class TuijinBackend(ModelBackend):
    """Django's model backend, loading the account with its jurisdiction and unit in one query, since every
    page's access scope and header read both."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        """Usernames match case-insensitively (unique in lower case), as the lock-out counts them."""
        if username is None or password is None:
            return None
        user = User._default_manager.filter(username__iexact=username).first()
        if user is None:
            User().set_password(password)  # same work as a real check, so timing does not tell
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("jurisdiction", "unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
