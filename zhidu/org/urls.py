from django.urls import path

from .views import account, auth, permissions, units, users

app_name = "org"
urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("password/", auth.password_change_view, name="password_change"),
    path("account/", account.account, name="account"),
    path("account/tokens/", account.token_create, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", account.token_revoke, name="token_revoke"),
    path("units/", units.units, name="units"),
    path("units/new/", units.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", units.unit_edit, name="unit_edit"),
    path("users/", users.users, name="users"),
    path("users/new/", users.user_new, name="user_create"),
    path("users/<int:pk>/", users.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", users.user_edit, name="user_edit"),
    path("users/<int:pk>/posts/", users.user_post_assign, name="post_assign"),
    path("users/<int:pk>/deactivate/", users.user_deactivate_view, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", users.user_reactivate_view, name="user_reactivate"),
    path("users/<int:pk>/phone/", users.user_phone, name="user_phone"),
    path("posts/<int:pk>/end/", users.post_end_view, name="post_end"),
    path("permissions/", permissions.permissions, name="permissions"),
    path("permissions/reset/", permissions.permissions_reset, name="permissions_reset"),
    path("permissions/scopes/", permissions.scopes, name="scopes"),
]
