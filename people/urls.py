from django.urls import path

from people import api

urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="token"),
    path("auth/token/refresh/", api.TokenRefreshApi.as_view(), name="token-refresh"),
    path("auth/sign-out/", api.SignOutApi.as_view(), name="sign-out"),
    path("auth/password/", api.PasswordChangeApi.as_view(), name="password-change"),
    path("registry/units/sync/", api.UnitSyncApi.as_view(), name="registry-units-sync"),
    path("registry/personnel/sync/", api.PersonnelSyncApi.as_view(), name="registry-personnel-sync"),
    path("registry/syncs/<int:sync_id>/", api.RegistrySyncDetailApi.as_view(), name="registry-sync-detail"),
]
