from django.urls import path

from certificates import api

urlpatterns = [
    path("me/certificates/", api.MyCertificatesApi.as_view(), name="my-certificates"),
    path("certificates/<int:certificate_id>/", api.CertificateDetailApi.as_view(), name="certificate-detail"),
    path("certificates/<int:certificate_id>/pdf/", api.CertificatePdfApi.as_view(), name="certificate-pdf"),
    path(
        "certificates/<int:certificate_id>/credential/",
        api.CertificateCredentialApi.as_view(),
        name="certificate-credential",
    ),
    path(
        "certificates/<int:certificate_id>/revoke/",
        api.CertificateRevokeApi.as_view(),
        name="certificate-revoke",
    ),
    path("verify/<str:code>/", api.VerifyApi.as_view(), name="verify-api"),
    path("issuer/", api.IssuerApi.as_view(), name="issuer"),
    path("status-lists/<int:list_id>/", api.StatusListApi.as_view(), name="status-list"),
]

# Pages outside /api/ (included from config.urls at the root).
page_urlpatterns = [
    path("verify/<str:code>/", api.verify_page, name="verify-page"),
    path(".well-known/did.json", api.DidDocumentApi.as_view(), name="did-document"),
]
