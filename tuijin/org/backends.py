from django.contrib.auth.backends import ModelBackend

from .models import User


class TuijinBackend(ModelBackend):
    """Django's model backend, loading the account with its jurisdiction and unit in one query, since every
    page's access scope and header read both."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("jurisdiction", "unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
