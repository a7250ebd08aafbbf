from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm

from .models import Jurisdiction, Person, Role, Unit, User
from .services import login_failed, login_is_locked, login_record


class LoginForm(AuthenticationForm):
    """Django's login form plus the lock-out, the failure record and Chinese messages."""

    error_messages = {
        "invalid_login": "用户名或密码不正确。连续输错多次后账号将被锁定。",
        "inactive": "该账号已停用，请联系项目办管理员。",
        "locked": "该账号因连续登录失败已被锁定，请 %(minutes)s 分钟后再试或联系项目办管理员重置密码。",
        "blank": "请输入用户名和密码。",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        if not username or not password:
            raise forms.ValidationError(self.error_messages["blank"], code="blank")
        candidate = User.objects.filter(username__iexact=username).first()
        self._refuse_if_locked(candidate, username)
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            if candidate is not None and not candidate.is_active and candidate.check_password(password):
                raise forms.ValidationError(self.error_messages["inactive"], code="inactive")
            user = login_failed(username=username, request=self.request)
            if login_is_locked(user):
                raise self._locked_error(user)
            raise self.get_invalid_login_error()
        # a lock written by a parallel request between the first check and now still holds
        self.user_cache.refresh_from_db(fields=["locked_until"])
        self._refuse_if_locked(self.user_cache, username)
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def _refuse_if_locked(self, user, username: str) -> None:
        from .models import LoginEvent

        if login_is_locked(user):
            login_record(kind=LoginEvent.Kind.REFUSED, username=username, user=user, request=self.request)
            raise self._locked_error(user)

    def _locked_error(self, user) -> forms.ValidationError:
        from django.utils import timezone

        minutes = max(1, int((user.locked_until - timezone.now()).total_seconds() // 60) + 1)
        return forms.ValidationError(
            self.error_messages["locked"], code="locked", params={"minutes": minutes}
        )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码（或管理员给的一次性密码）", widget=forms.PasswordInput)
    new_password = forms.CharField(
        label="新密码", widget=forms.PasswordInput, help_text="至少 8 位，不能全是数字。"
    )
    new_password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


class AccountForm(forms.Form):
    username = forms.RegexField(
        label="用户名",
        regex=r"^[A-Za-z0-9_.@-]{3,40}$",
        error_messages={"invalid": "用户名只能包含字母、数字和 _ . @ -，长度 3–40 位。"},
    )
    display_name = forms.CharField(label="显示名", max_length=40, required=False)
    role = forms.ChoiceField(label="角色", choices=[("", "请选择")] + Role.choices)
    jurisdiction = forms.ModelChoiceField(
        label="所属辖区", queryset=Jurisdiction.objects.none(), empty_label="请选择"
    )
    unit = forms.ModelChoiceField(
        label="所在单位", queryset=Unit.objects.none(), required=False, empty_label="（无）"
    )
    person = forms.ModelChoiceField(
        label="对应人员", queryset=Person.objects.none(), required=False, empty_label="（无）"
    )

    def __init__(self, *args, jurisdictions, units, people, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions
        self.fields["unit"].queryset = units.select_related("jurisdiction")
        self.fields["person"].queryset = people.filter(account__isnull=True) if not editing else people
        if editing:
            self.fields["username"].disabled = True
            self.fields["person"].disabled = True
